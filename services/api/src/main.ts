import { ConfigError, createLogger, Lifecycle, runService } from '@shardgate/shared';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createApiApp } from './app.js';
import { loadApiConfig } from './config.js';

/** Entry point: configuration, then the app, then the server with its shutdown handling. */
async function main(): Promise<void> {
  const config = loadApiConfig(process.env);
  const logger = createLogger({ service: 'api', level: config.LOG_LEVEL });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const lifecycle = new Lifecycle();
  const app = createApiApp({ lifecycle });
  await runService({
    name: 'api',
    handler: app.callback(),
    host: config.HOST,
    port: config.PORT,
    metricsPort: config.METRICS_PORT,
    registry,
    lifecycle,
    logger,
    drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
}

main().catch((error: unknown) => {
  // configuration errors name the variable; anything else is unexpected at start
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
