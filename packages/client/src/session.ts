/**
 * The session: sends authenticated requests with the stored access token, and when one is refused
 * refreshes the tokens, one refresh at a time, and retries that request exactly once.
 *
 * One refresh at a time matters because the auth service rotates refresh tokens: each refresh
 * spends the token it got, and a spent token presented again is taken for a stolen one, revoking
 * the whole session. Fifty requests refused together must therefore share one refresh.
 */
import {
  NoSessionError,
  ProblemError,
  RefreshFailedError,
  SessionRejectedError,
} from './errors.js';
import type { TokenPair, TokenStorage } from './token-storage.js';
import type { Transport, WireRequest, WireResponse } from './transport.js';

/** The auth service's refresh endpoint (`POST`, JSON `{ refresh_token }`). */
export const REFRESH_PATH = '/auth/refresh';

/**
 * True when the answer refuses the access token itself: 401 with a `Bearer` challenge (RFC 6750
 * §3), as the gateway and both services send it. Other 401s (a wrong password, a wrong MFA code)
 * carry none and are answers to show, not reasons to refresh.
 */
export function refusesToken(response: WireResponse): boolean {
  return (
    response.status === 401 &&
    /^bearer\b/i.test(response.headers.get('www-authenticate')?.trim() ?? '')
  );
}

/** A session over a {@link TokenStorage}; see the module comment. */
export class Session {
  readonly #storage: TokenStorage;
  readonly #send: Transport;
  /** The refresh in flight; every request refused meanwhile waits for this one. */
  #refreshing: Promise<TokenPair> | undefined;

  constructor(storage: TokenStorage, send: Transport) {
    this.#storage = storage;
    this.#send = send;
  }

  /**
   * Sends `request` with the stored access token (none when signed out). When it is refused, gets
   * fresh tokens (joining a refresh in flight, or using tokens another request refreshed while this
   * one was under way) and sends it once more.
   * @throws {@link SessionRejectedError} when the retry is refused too.
   * @throws {@link RefreshFailedError} when the refresh is refused (the storage is cleared).
   */
  async send(request: WireRequest): Promise<WireResponse> {
    // a request made during a refresh waits for it rather than spend a token known to be replaced
    if (this.#refreshing) await this.#refreshing.catch(() => undefined);
    const pair = await this.#storage.get();
    if (!pair) return this.#send(request);
    const first = await this.#send({ ...request, bearer: pair.accessToken });
    if (!refusesToken(first)) return first;

    const latest = await this.#storage.get();
    const fresh = latest && latest.accessToken !== pair.accessToken ? latest : await this.refresh();
    const retry = await this.#send({ ...request, bearer: fresh.accessToken });
    if (refusesToken(retry)) throw new SessionRejectedError(retry);
    return retry;
  }

  /**
   * Spends the stored refresh token for a new pair and stores it. Concurrent calls share one
   * request to the auth service and its outcome.
   * @throws {@link NoSessionError} when the storage is empty.
   * @throws {@link RefreshFailedError} when the auth service refuses the token (storage cleared).
   * @throws {@link ProblemError} or {@link NetworkError} when it could not answer (storage kept:
   *   the token may still be good, and the auth service forgives one retry of the latest rotation).
   */
  refresh(): Promise<TokenPair> {
    this.#refreshing ??= this.#rotate().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #rotate(): Promise<TokenPair> {
    const pair = await this.#storage.get();
    if (!pair) throw new NoSessionError();
    const answer = await this.#send({
      method: 'POST',
      path: REFRESH_PATH,
      json: { refresh_token: pair.refreshToken },
    });
    const body = answer.body as { access_token?: unknown; refresh_token?: unknown } | undefined;
    if (
      answer.status === 200 &&
      typeof body?.access_token === 'string' &&
      typeof body.refresh_token === 'string'
    ) {
      const next = { accessToken: body.access_token, refreshToken: body.refresh_token };
      await this.#storage.set(next);
      return next;
    }
    // 401 (unknown, spent, revoked, expired) and 4xx (malformed): this token will never work
    if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
      await this.#storage.clear();
      throw new RefreshFailedError(new ProblemError(answer));
    }
    throw new ProblemError(answer);
  }
}
