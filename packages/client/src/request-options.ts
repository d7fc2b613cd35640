/**
 * The options of a typed request, derived from its operation, and their translation into a
 * {@link WireRequest}: path parameters and query put in place, the body chosen by its encoding.
 */
import type {
  FormBodyOf,
  HttpMethod,
  JsonBodyOf,
  OperationAt,
  PathParamsOf,
  PathsFor,
  QueryOf,
} from './operations.js';
import type { WireRequest } from './transport.js';

/**
 * Which credentials go with a request: `'session'` (the default) sends the stored access token,
 * if any, and refreshes and retries once when it is refused; `'none'` sends no `Authorization`;
 * `{ bearer }` sends that token as it is, and never refreshes.
 */
export type AuthMode = 'session' | 'none' | { readonly bearer: string };

/** The options every request takes. */
export interface CommonOptions {
  /** @default 'session' */
  readonly auth?: AuthMode;
  /** Extra headers, e.g. `Idempotency-Key`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The options of a request to operation `O`: its body, parameters and query, typed. */
export type RequestOptions<O> = CommonOptions &
  ([JsonBodyOf<O>] extends [never]
    ? { readonly json?: never }
    : { readonly json?: JsonBodyOf<O> }) &
  ([FormBodyOf<O>] extends [never]
    ? { readonly form?: never }
    : { readonly form?: FormBodyOf<O> }) &
  ([PathParamsOf<O>] extends [never]
    ? { readonly params?: never }
    : { readonly params: PathParamsOf<O> }) &
  ([QueryOf<O>] extends [never] ? { readonly query?: never } : { readonly query?: QueryOf<O> });

/** The options argument of `send`/`request`: required only when the path has parameters. */
export type RequestArgs<M extends HttpMethod, P extends PathsFor<M>> =
  Record<string, never> extends RequestOptions<OperationAt<P, M>>
    ? [options?: RequestOptions<OperationAt<P, M>>]
    : [options: RequestOptions<OperationAt<P, M>>];

/** The untyped shape of {@link RequestOptions}, as the runtime reads it. */
export interface LooseOptions extends CommonOptions {
  readonly json?: unknown;
  readonly form?: Readonly<Record<string, unknown>>;
  readonly params?: Readonly<Record<string, string | number>>;
  readonly query?: Readonly<Record<string, string | number | boolean | null | undefined>>;
}

/** Builds the {@link WireRequest} of `method path` with `options` (credentials aside). */
export function wireRequest(method: string, path: string, options: LooseOptions): WireRequest {
  const expanded = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = options.params?.[name];
    if (value === undefined) throw new TypeError(`${method} ${path}: no value for {${name}}`);
    return encodeURIComponent(String(value));
  });
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null) query.set(key, String(value));
  }
  const search = query.size > 0 ? `?${query}` : '';
  const form =
    options.form === undefined
      ? undefined
      : Object.fromEntries(Object.entries(options.form).map(([k, v]) => [k, String(v)]));
  return {
    method,
    path: `${expanded}${search}`,
    ...(options.json !== undefined ? { json: options.json } : {}),
    ...(form !== undefined ? { form } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  };
}
