/**
 * One HTTP exchange with the edge: builds the request (JSON or form body, bearer token), sends it
 * with `fetch`, reads the whole answer and parses a JSON body. Knows nothing of sessions.
 */
import { NetworkError } from './errors.js';

/** One request, its path already expanded (parameters and query in place). */
export interface WireRequest {
  readonly method: string;
  /** The path and query, e.g. `/api/orders?limit=10`. */
  readonly path: string;
  /** Sent as `application/json`. */
  readonly json?: unknown;
  /** Sent as `application/x-www-form-urlencoded` (the OAuth 2.0 token endpoint). */
  readonly form?: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly bearer?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One answer, read whole. */
export interface WireResponse {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body; `undefined` when the body is empty or not JSON. */
  readonly body: unknown;
  /** Milliseconds from sending the request to reading the whole body. */
  readonly durationMs: number;
}

/** Sends a {@link WireRequest}. */
export type Transport = (request: WireRequest) => Promise<WireResponse>;

/** Settings of {@link createTransport}. */
export interface TransportOptions {
  /** Scheme, host, port and optionally a path prefix; without a trailing slash. */
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  /** Per-request limit in milliseconds. */
  readonly timeoutMs: number;
  /** Called after every answer, refreshes and retries included. */
  readonly onResponse?: ((response: WireResponse) => void) | undefined;
}

/**
 * A {@link Transport} bound to one base URL.
 * @throws {@link NetworkError} when nothing answers within the timeout.
 */
export function createTransport(options: TransportOptions): Transport {
  const { baseUrl, timeoutMs, onResponse } = options;
  return async function send(request) {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(request.form).toString();
    }
    if (request.bearer !== undefined) headers.authorization = `Bearer ${request.bearer}`;

    const started = performance.now();
    let answer: Response;
    let text: string;
    try {
      answer = await options.fetch(`${baseUrl}${request.path}`, {
        method: request.method,
        headers,
        body,
        // a redirect from an API is unexpected, and following one could carry the token elsewhere
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await answer.text();
    } catch (error) {
      throw networkError(error, baseUrl, timeoutMs);
    }
    const response: WireResponse = {
      method: request.method,
      path: request.path,
      status: answer.status,
      headers: answer.headers,
      body: parseJson(text),
      durationMs: Math.round(performance.now() - started),
    };
    onResponse?.(response);
    return response;
  };
}

function networkError(error: unknown, baseUrl: string, timeoutMs: number): NetworkError {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return new NetworkError('timeout', `no answer from ${baseUrl} within ${timeoutMs} ms`, {
      cause: error,
    });
  }
  const reason = err.cause?.code ?? err.cause?.message ?? err.message;
  return new NetworkError('unreachable', `nothing answers at ${baseUrl} (${reason})`, {
    cause: error,
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // an HTML error page from a proxy, say: the status tells the story
  }
}
