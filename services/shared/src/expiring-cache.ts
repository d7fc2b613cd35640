/** Expired entries dropped at most per insertion, so one `set` never stalls the event loop. */
const MAX_DROPPED_PER_SET = 64;

/**
 * A bounded map whose entries expire at their own time, for the per-process caches on the
 * request path (verified tokens, users' and sessions' state).
 *
 * When it is full, an insertion first drops expired entries from the oldest end; if none has
 * expired, the new entry is not admitted and what the cache holds stays. Evicting the oldest
 * instead would make a set slightly larger than the cache, requested in rotation (every session
 * of a busy day, each coming round once a minute), evict each entry just before it is asked for
 * again, so nothing would ever hit; keeping what it has, the cache hits its share of the set,
 * and entries make room as they expire. Time comes from `now` so tests can control it. Keys are
 * strings or numbers (a number key allocates nothing to look up).
 */
export class ExpiringCache<V, K extends string | number = string> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value, or undefined when absent or expired. */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /**
   * Stores `value` until `expiresAt` (epoch ms). Returns false when it was not admitted: the
   * cache holds no entries, or is full of live ones.
   */
  set(key: K, value: V, expiresAt: number): boolean {
    if (this.maxEntries === 0) return false;
    // a key stored again moves to the young end, keeping the order close to expiry order
    if (!this.#entries.delete(key) && this.#entries.size >= this.maxEntries) {
      this.#dropExpired();
      if (this.#entries.size >= this.maxEntries) return false;
    }
    this.#entries.set(key, { value, expiresAt });
    return true;
  }

  /** Stores `value` for `ttlMs` milliseconds from now; false when not admitted (see `set`). */
  setFor(key: K, value: V, ttlMs: number): boolean {
    return this.set(key, value, this.now() + ttlMs);
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Drops expired entries from the oldest end, stopping at the first live one. */
  #dropExpired(): void {
    const now = this.now();
    let dropped = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now || dropped === MAX_DROPPED_PER_SET) return;
      this.#entries.delete(key);
      dropped++;
    }
  }
}
