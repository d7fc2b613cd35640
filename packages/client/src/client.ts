/**
 * `createShardgateClient`: one client per base URL and session. It sends typed requests to any
 * operation of both OpenAPI documents (`send` for every answer, `request` for the success body)
 * and carries helpers for the common flows (`auth.*`, `api.*`).
 */
import { type ApiMethods, apiMethods } from './api-methods.js';
import { type AuthMethods, authMethods } from './auth-methods.js';
import { ProblemError } from './errors.js';
import type {
  DocumentedAnswer,
  HttpMethod,
  OperationAt,
  PathsFor,
  SuccessBodyOf,
} from './operations.js';
import { type LooseOptions, type RequestArgs, wireRequest } from './request-options.js';
import { Session } from './session.js';
import { MemoryTokenStorage, type TokenStorage } from './token-storage.js';
import { createTransport, type WireResponse } from './transport.js';

/** Settings of {@link createShardgateClient}. */
export interface ShardgateClientOptions {
  /**
   * The edge: scheme, host, port and optionally a path prefix (`http://127.0.0.1:8080`, a
   * cluster's ingress). A trailing slash is ignored.
   */
  readonly baseUrl: string;
  /** Where the session's tokens live. @default a new {@link MemoryTokenStorage} */
  readonly storage?: TokenStorage;
  /** The `fetch` to use (a test's fake, an instrumented one). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Per-request limit in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /** Called after every answer, refreshes and retries included: for tracing and metrics. */
  readonly onResponse?: (response: WireResponse) => void;
}

/**
 * An answer of `send`: the documented status and body of the operation, with the headers, the
 * path sent and the time taken. Only the documented statuses are typed; something between client
 * and service (a gateway's 502, nginx's own 401 page) answers what it answers, its body
 * `undefined` when it is not JSON.
 */
export type ShardgateResponse<O> = DocumentedAnswer<O> & Omit<WireResponse, 'status' | 'body'>;

/** A client of shardgate's edge; see {@link createShardgateClient}. */
export interface ShardgateClient {
  /** The base URL, without a trailing slash. */
  readonly baseUrl: string;
  /** The session's token storage. */
  readonly storage: TokenStorage;
  /**
   * Sends one request and returns the answer whatever its status. With `auth: 'session'` (the
   * default) a refused access token is refreshed (one refresh at a time) and the request sent
   * once more.
   * @throws {@link NetworkError}, and for session requests {@link SessionRejectedError} or
   *   {@link RefreshFailedError}.
   */
  send<M extends HttpMethod, P extends PathsFor<M>>(
    method: M,
    path: P,
    ...options: RequestArgs<M, P>
  ): Promise<ShardgateResponse<OperationAt<P, M>>>;
  /**
   * Like {@link ShardgateClient.send}, but resolves with the body of a success (2xx) answer.
   * @throws {@link ProblemError} for any other status.
   */
  request<M extends HttpMethod, P extends PathsFor<M>>(
    method: M,
    path: P,
    ...options: RequestArgs<M, P>
  ): Promise<SuccessBodyOf<OperationAt<P, M>>>;
  /** The auth service's flows: register, login, refresh, logout, MFA, the account. */
  readonly auth: AuthMethods;
  /** The API service: the profile and orders. */
  readonly api: ApiMethods;
}

/**
 * Creates a client.
 *
 * @example
 * ```ts
 * const client = createShardgateClient({ baseUrl: 'http://127.0.0.1:8080' });
 * await client.auth.login({ email, password });          // stores the token pair
 * const order = await client.api.orders.create({ items, currency: 'EUR' });
 * ```
 */
export function createShardgateClient(options: ShardgateClientOptions): ShardgateClient {
  const url = new URL(options.baseUrl); // a malformed URL fails here, before any request
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`the base URL must be http:// or https://, got "${options.baseUrl}"`);
  }
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const storage = options.storage ?? new MemoryTokenStorage();
  const transport = createTransport({
    baseUrl,
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.timeoutMs ?? 10_000,
    onResponse: options.onResponse,
  });
  const session = new Session(storage, transport);

  async function sendLoose(method: string, path: string, loose: LooseOptions = {}) {
    const request = wireRequest(method, path, loose);
    const auth = loose.auth ?? 'session';
    if (auth === 'session') return session.send(request);
    return transport(auth === 'none' ? request : { ...request, bearer: auth.bearer });
  }

  async function requestLoose(method: string, path: string, loose?: LooseOptions) {
    const answer = await sendLoose(method, path, loose);
    if (answer.status < 200 || answer.status > 299) throw new ProblemError(answer);
    return answer.body;
  }

  // The typed signatures are checked at the call sites; inside, one loose implementation serves all.
  const send = sendLoose as unknown as ShardgateClient['send'];
  const request = requestLoose as unknown as ShardgateClient['request'];
  return {
    baseUrl,
    storage,
    send,
    request,
    auth: authMethods({ send, request, session, storage }),
    api: apiMethods({ request }),
  };
}
