/**
 * The library both shardgate services share: configuration, logging, metrics, health and the
 * process lifecycle. Migrations are a separate entry point: `@shardgate/shared/migrate`.
 * @packageDocumentation
 */
export {
  ConfigError,
  flag,
  hstsSettings,
  loadConfig,
  logLevel,
  port,
  postgresUrl,
  postgresUrlList,
  type ServiceSettings,
  serviceSettings,
} from './config.js';
export { asDependencyError, isDatabaseUnavailable } from './database-unavailable.js';
export { DependencyUnavailableError } from './dependency-unavailable.js';
export { ExpiringCache } from './expiring-cache.js';
export { healthRoutes, type ReadinessCheck } from './health.js';
export { bearerToken, INVALID_TOKEN_CHALLENGE, invalidTokenError } from './http/bearer.js';
export { type ErrorRenderer, errorHandler, PROBLEM_TYPE_BASE } from './http/error-handler.js';
export { cameOverTls, type HstsSettings, strictTransportSecurity } from './http/hsts.js';
export {
  type FieldError,
  HttpError,
  type HttpErrorOptions,
  problemBody,
} from './http/http-error.js';
export { type ProblemCodeSchema, problemCodeSchema } from './http/problem-openapi.js';
export {
  COMMON_PROBLEMS,
  defineProblems,
  FORM_PROBLEMS,
  type Problem,
  type ProblemCatalogue,
  type ProblemSpec,
} from './http/problems.js';
export { DEFAULT_BODY_LIMIT, readFormBody, readJsonBody } from './http/read-body.js';
export {
  type RequestContextOptions,
  type RequestObserver,
  type RequestState,
  requestContext,
} from './http/request-context.js';
export { requestIdFrom } from './http/request-id.js';
export {
  BASELINE_SECURITY_HEADERS,
  DEFAULT_CONTENT_SECURITY_POLICY,
  NO_STORE,
} from './http/security-headers.js';
export {
  type SecurityHeadersOptions,
  securityHeaders,
} from './http/security-headers-middleware.js';
export {
  createServiceApp,
  type RouteTable,
  type ServiceAppOptions,
} from './http/service-app.js';
export { hasSessionCookie, readCookie, SESSION_COOKIES } from './http/session-cookies.js';
export { assertStorableJson, isStorableText, storableQuery } from './http/storable-text.js';
export { validateBody } from './http/validate.js';
export {
  JwksTokenVerifier,
  type JwksTokenVerifierOptions,
  type VerifiedAccessToken,
} from './jwt/jwks-token-verifier.js';
export { COMPACT_JWS, VerifiedTokenCache } from './jwt/verified-token-cache.js';
export { Lifecycle } from './lifecycle.js';
export { createLogger, type Logger, REDACTED_PATHS } from './logger.js';
export { boundPort, startMetricsServer } from './metrics-server.js';
export { createRedis, type Redis } from './redis.js';
export { type RunningService, type RunServiceOptions, runService } from './run-service.js';
export { type ServedDeps, type ServiceProcess, startServiceProcess } from './service-main.js';
export {
  type CacheLookupObserver,
  type DbOperationObserver,
  registerServiceMetrics,
} from './service-metrics.js';
export {
  type LabelValue,
  SlottedCounter,
  SlottedHistogram,
  type SlottedHistogramConfiguration,
} from './slotted-metrics.js';
export { PgServer, type SqlRunner } from './sql/pg-server.js';
export { NOW_UTC, type Statement, statement, utcColumn, utcParam } from './sql/statement.js';
export { timed } from './timed.js';
