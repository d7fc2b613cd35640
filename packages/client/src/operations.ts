/**
 * Types of the services' operations, derived from the generated `paths` of both OpenAPI documents:
 * which paths take which method, what each sends and what each answers, by status.
 */
import type { components as ApiComponents, paths as ApiPaths } from './generated/api.js';
import type { components as AuthComponents, paths as AuthPaths } from './generated/auth.js';

/**
 * Every path of both services, as one table. The API service's `/healthz` and `/readyz` give way
 * to the auth service's (the same shape; neither is routed at the gateway anyway).
 */
export type Paths = AuthPaths & Omit<ApiPaths, keyof AuthPaths>;

/** The HTTP methods an operation can have, as the client takes them. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/** The operation at `P` for method `M`; `never` when the path has no such method. */
export type OperationAt<P extends keyof Paths, M extends HttpMethod> = NonNullable<
  Paths[P][Lowercase<M> & keyof Paths[P]]
>;

/** The paths that have an operation for method `M` (what `send('POST', …)` accepts). */
export type PathsFor<M extends HttpMethod> = {
  [P in keyof Paths]: [OperationAt<P, M>] extends [never] ? never : P;
}[keyof Paths];

type Content<O> = O extends { requestBody?: { content: infer C } } ? C : never;

/** The JSON body of operation `O`; `never` when it takes none. */
export type JsonBodyOf<O> = Content<O> extends { 'application/json': infer B } ? B : never;

/** The form body of operation `O` (the OAuth 2.0 token endpoint); `never` when it takes none. */
export type FormBodyOf<O> =
  Content<O> extends { 'application/x-www-form-urlencoded': infer B } ? B : never;

/** The path parameters of operation `O` (`{ id: string }` for `/api/orders/{id}`). */
export type PathParamsOf<O> = O extends { parameters: { path: infer P } } ? P : never;

/** The query parameters of operation `O`. */
export type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

type ResponsesOf<O> = O extends { responses: infer R } ? R : never;
type BodyOf<R> = R extends { content: infer C } ? C[keyof C] : undefined;

/**
 * The documented answers of operation `O`, one per status: narrow on `status` to get the body
 * the document promises for it (`undefined` for a body-less 204).
 */
export type DocumentedAnswer<O> = {
  [S in keyof ResponsesOf<O>]: { readonly status: S; readonly body: BodyOf<ResponsesOf<O>[S]> };
}[keyof ResponsesOf<O>];

type Success = 200 | 201 | 202 | 204;

/** The body of operation `O`'s success answer (2xx); `undefined` for 204. */
export type SuccessBodyOf<O> = BodyOf<ResponsesOf<O>[Success & keyof ResponsesOf<O>]>;

/** Shorthand for the documents' schemas: `Schema<'Order'>`, `Schema<'TokenResponse'>`. */
export type Schema<N extends keyof AllSchemas> = AllSchemas[N];

type AllSchemas = AuthComponents['schemas'] &
  Omit<ApiComponents['schemas'], keyof AuthComponents['schemas']>;
