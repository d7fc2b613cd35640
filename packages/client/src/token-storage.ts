/**
 * Where the client keeps a session's tokens. The client reads the pair before every authenticated
 * request and replaces it after every refresh, so any store works: memory (the default), a file,
 * a database row, a browser's sessionStorage.
 */

/** A session's tokens, as the auth service issued them. */
export interface TokenPair {
  /** The JWT sent as `Authorization: Bearer` (15 minutes by default). */
  readonly accessToken: string;
  /** The opaque, single-use refresh token: each refresh spends it and stores the next one. */
  readonly refreshToken: string;
}

/**
 * A pluggable token store. Methods may be synchronous or return promises. Share one client per
 * store: the single refresh at a time is guaranteed per client, and two clients refreshing one
 * session at once would spend the same refresh token twice (which the auth service treats as theft
 * and answers by revoking the session).
 */
export interface TokenStorage {
  /** The current pair, or `undefined` when signed out. */
  get(): TokenPair | undefined | Promise<TokenPair | undefined>;
  /** Replaces the pair (after a login or a refresh). */
  set(pair: TokenPair): void | Promise<void>;
  /** Forgets the pair (after a logout, or when a refresh is refused). */
  clear(): void | Promise<void>;
}

/** A {@link TokenStorage} in this process's memory: the default, gone when the process ends. */
export class MemoryTokenStorage implements TokenStorage {
  #pair: TokenPair | undefined;

  /** @param initial A pair to start with, e.g. one restored from elsewhere. */
  constructor(initial?: TokenPair) {
    this.#pair = initial;
  }

  get(): TokenPair | undefined {
    return this.#pair;
  }

  set(pair: TokenPair): void {
    this.#pair = pair;
  }

  clear(): void {
    this.#pair = undefined;
  }
}
