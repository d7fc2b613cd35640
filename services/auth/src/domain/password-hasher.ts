import bcrypt from 'bcrypt';
import { Semaphore } from './semaphore.js';

/** Receives the duration of each bcrypt operation; the service's metrics implement it. */
export type BcryptObserver = (operation: 'hash' | 'compare', seconds: number) => void;

/**
 * bcrypt on libuv's thread pool (the async API: never blocks the event loop), at most
 * `concurrency` at once so that a login storm leaves CPU for the event loop.
 */
export class PasswordHasher {
  readonly #gate: Semaphore;
  #dummyHash: Promise<string> | undefined;

  constructor(
    private readonly cost: number,
    concurrency: number,
    private readonly observe: BcryptObserver = () => {},
  ) {
    this.#gate = new Semaphore(concurrency);
  }

  /** Hashes a password at the configured cost. */
  hash(password: string): Promise<string> {
    return this.#timed('hash', () => bcrypt.hash(password, this.cost));
  }

  /**
   * Compares a password with a hash; with `null` (unknown user) compares with a hash of the same
   * cost, so that an unknown email costs as much time as a wrong password.
   */
  async verify(password: string, hash: string | null): Promise<boolean> {
    this.#dummyHash ??= bcrypt.hash('no such user: timing equaliser', this.cost);
    const target = hash ?? (await this.#dummyHash);
    const matches = await this.#timed('compare', () => bcrypt.compare(password, target));
    return hash !== null && matches;
  }

  /** True when `hash` was made at another cost and should be replaced at the next login. */
  needsRehash(hash: string): boolean {
    try {
      return bcrypt.getRounds(hash) !== this.cost;
    } catch {
      return true;
    }
  }

  #timed<T>(operation: 'hash' | 'compare', task: () => Promise<T>): Promise<T> {
    return this.#gate.run(async () => {
      const started = process.hrtime.bigint();
      try {
        return await task();
      } finally {
        this.observe(operation, Number(process.hrtime.bigint() - started) / 1e9);
      }
    });
  }
}
