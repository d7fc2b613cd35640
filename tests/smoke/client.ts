/**
 * The smoke suite's HTTP client: plain `fetch`, no test framework, so the suite (and the demo)
 * can run against any base URL — the local gateway or an ingress behind `kubectl port-forward`.
 */

/** What a request sends; at most one of `json` and `form`. */
export interface RequestOptions {
  /** Sent as `application/json`. */
  readonly json?: unknown;
  /** Sent as `application/x-www-form-urlencoded` (the OAuth 2.0 token endpoint). */
  readonly form?: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly bearer?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One answer, with its body parsed when it is JSON. */
export interface SmokeResponse {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body; `undefined` when the body is empty or not JSON. */
  readonly body: unknown;
  /** Milliseconds from sending the request to reading the whole body. */
  readonly ms: number;
}

/** Settings of a {@link SmokeClient}. */
export interface SmokeClientOptions {
  /** Scheme, host and port, optionally a path prefix; a trailing slash is ignored. */
  readonly baseUrl: string;
  /** Per-request limit in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /** Called after every answer, e.g. to print `GET /api/me 200 12 ms` in verbose mode. */
  readonly onResponse?: (response: SmokeResponse) => void;
}

/**
 * Nothing answered: connection refused, DNS failure or timeout. Kept apart from wrong answers so
 * the CLI can tell "the stack is not running" from "the stack is broken".
 */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

/** A thin `fetch` wrapper bound to one base URL. */
export class SmokeClient {
  /** The base URL without a trailing slash. */
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #onResponse: ((response: SmokeResponse) => void) | undefined;

  constructor(options: SmokeClientOptions) {
    const url = new URL(options.baseUrl); // throws on a malformed URL before any request is made
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`the base URL must be http:// or https://, got "${options.baseUrl}"`);
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#onResponse = options.onResponse;
  }

  /**
   * Sends one request and reads the whole answer.
   * @throws {@link UnreachableError} when nothing answers within the timeout.
   */
  async request(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<SmokeResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;

    const started = performance.now();
    let answer: Response;
    let text: string;
    try {
      answer = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body,
        redirect: 'manual', // a redirect from the edge is a finding, not something to follow
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await answer.text();
    } catch (error) {
      throw new UnreachableError(this.#explain(error));
    }
    const response: SmokeResponse = {
      method,
      path,
      status: answer.status,
      headers: answer.headers,
      body: parseJson(text),
      ms: Math.round(performance.now() - started),
    };
    this.#onResponse?.(response);
    return response;
  }

  #explain(error: unknown): string {
    const err = error as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      return `no answer from ${this.baseUrl} within ${this.#timeoutMs} ms`;
    }
    const cause = err.cause?.code ?? err.cause?.message ?? err.message;
    return `nothing answers at ${this.baseUrl} (${cause})`;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // an HTML error page from a proxy, say: the status tells the story
  }
}

/**
 * One line about an answer for error messages: status and, for problem+json or OAuth errors, the
 * stable code and the human detail. Never the whole body, which may hold tokens.
 */
export function describeResponse(response: SmokeResponse): string {
  const body = (response.body ?? {}) as Record<string, unknown>;
  const code = body.code ?? body.error;
  const detail = body.detail ?? body.error_description;
  const parts = [`${response.method} ${response.path} answered ${response.status}`];
  if (typeof code === 'string') parts.push(code);
  if (typeof detail === 'string') parts.push(`"${detail}"`);
  return parts.join(' ');
}

/** Matches anything shaped like a JWT (three base64url segments, the first starting `eyJ`). */
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;
const WHOLE_JWT = new RegExp(`^${JWT.source}$`);

/**
 * A token as it may be displayed. A JWT keeps its first ten characters (`eyJhbGciOi`: the start
 * of its public header, `{"alg":`, the same in every token), then `…(redacted)`. Any other token
 * (an opaque refresh token) shows no character of itself, only its length:
 * `(opaque, 43 chars, redacted)`, since any part of a random token narrows the search for the rest.
 */
export function redactToken(token: unknown): string {
  if (typeof token !== 'string' || token.length === 0) return String(token);
  if (WHOLE_JWT.test(token)) return `${token.slice(0, 10)}…(redacted)`;
  return `(opaque, ${token.length} chars, redacted)`;
}

/**
 * Removes secrets from text before it is printed: every registered value (passwords, refresh
 * tokens) and anything JWT-shaped. The checks register each secret as soon as they learn it, so a
 * message that quotes one by accident still prints nothing usable.
 */
export class Secrets {
  readonly #values = new Set<string>();

  /** Registers a value that must never be printed; returns it, for use inline. */
  add<T extends string | undefined>(value: T): T {
    if (value !== undefined && value.length >= 6) this.#values.add(value);
    return value;
  }

  /** The text with every secret replaced by `(redacted)`. */
  scrub(text: string): string {
    let out = text;
    for (const value of this.#values) out = out.split(value).join('(redacted)');
    return out.replace(JWT, (jwt) => redactToken(jwt));
  }
}
