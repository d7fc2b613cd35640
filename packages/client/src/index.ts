/**
 * `@shardgate/client`: a typed client of shardgate's edge (the auth service and the orders API),
 * its types generated from both services' OpenAPI documents. See README.md.
 */
export type { ApiMethods, CreateOrderOptions } from './api-methods.js';
export type { AuthMethods, PasswordGrant } from './auth-methods.js';
export {
  createShardgateClient,
  type ShardgateClient,
  type ShardgateClientOptions,
  type ShardgateResponse,
} from './client.js';
export {
  type ClientErrorCode,
  MfaRequiredError,
  NetworkError,
  NoSessionError,
  ProblemError,
  RefreshFailedError,
  SessionRejectedError,
  ShardgateError,
} from './errors.js';
export type {
  DocumentedAnswer,
  HttpMethod,
  OperationAt,
  Paths,
  PathsFor,
  Schema,
  SuccessBodyOf,
} from './operations.js';
export type { AuthMode, RequestOptions } from './request-options.js';
export { REFRESH_PATH, refusesToken } from './session.js';
export { MemoryTokenStorage, type TokenPair, type TokenStorage } from './token-storage.js';
export type { WireRequest, WireResponse } from './transport.js';
