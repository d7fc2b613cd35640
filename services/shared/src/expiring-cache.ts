/**
 * A bounded map whose entries expire at their own time. When full, the oldest entry goes first
 * (insertion order), which is close enough to least-recently-used for caches whose entries all
 * live about as long. Time comes from `now` so tests can control it.
 */
export class ExpiringCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value, or undefined when absent or expired. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (epoch ms); does nothing when the cache holds no entries. */
  set(key: string, value: V, expiresAt: number): void {
    if (this.maxEntries === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt });
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** Stores `value` for `ttlMs` milliseconds from now. */
  setFor(key: string, value: V, ttlMs: number): void {
    this.set(key, value, this.now() + ttlMs);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
