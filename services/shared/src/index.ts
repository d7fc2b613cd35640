/**
 * The library both shardgate services share: configuration, logging, metrics, health and the
 * process lifecycle. Migrations are a separate entry point: `@shardgate/shared/migrate`.
 * @packageDocumentation
 */
export { ConfigError, loadConfig, logLevel, port, postgresUrl, postgresUrlList } from './config.js';
export { healthRoutes, type ReadinessCheck } from './health.js';
export { Lifecycle } from './lifecycle.js';
export { createLogger, type Logger, REDACTED_PATHS } from './logger.js';
export { boundPort, startMetricsServer } from './metrics-server.js';
export { type RunningService, type RunServiceOptions, runService } from './run-service.js';
