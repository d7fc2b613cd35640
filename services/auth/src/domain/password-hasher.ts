import bcrypt from 'bcrypt';
import { HashPoolBusy } from '../hashing/hash-pool.js';
import { busy } from './errors.js';

/** Where bcrypt runs: `HashProcess` (hashing/hash-process.ts), low-priority threads of its own. */
export interface PasswordHashing {
  hash(password: string, cost: number): Promise<string>;
  compare(password: string, hash: string): Promise<boolean>;
}

/**
 * Passwords hashed and checked with bcrypt, never on the event loop or libuv's thread pool. When
 * too many wait already, `HashPoolBusy` becomes 503 `busy` with `Retry-After`.
 */
export class PasswordHasher {
  #dummyHash: Promise<string> | undefined;

  constructor(
    private readonly cost: number,
    private readonly pool: PasswordHashing,
  ) {}

  /** Hashes a password at the configured cost. */
  hash(password: string): Promise<string> {
    return this.pool.hash(password, this.cost).catch(asBusy);
  }

  /**
   * Compares a password with a hash; with `null` (unknown user) compares with a hash of the same
   * cost, so that an unknown email costs as much time as a wrong password.
   */
  async verify(password: string, hash: string | null): Promise<boolean> {
    // made once, through the pool like any hash; a failed attempt (a full pool) is tried again
    this.#dummyHash ??= this.pool
      .hash('no such user: timing equaliser', this.cost)
      .catch((error) => {
        this.#dummyHash = undefined;
        throw error;
      });
    const target = hash ?? (await this.#dummyHash.catch(asBusy));
    const matches = await this.pool.compare(password, target).catch(asBusy);
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
}

/** A full pool, as the client sees it: 503 `busy` with `Retry-After`. */
export function asBusy(error: unknown): never {
  throw error instanceof HashPoolBusy ? busy(error.retryAfterSeconds) : error;
}
