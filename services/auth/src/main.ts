import { ConfigError, createLogger, Lifecycle, runService } from '@shardgate/shared';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createAuthApp } from './app.js';
import { loadAuthConfig } from './config.js';

/** Entry point: configuration, then the app, then the server with its shutdown handling. */
async function main(): Promise<void> {
  const config = loadAuthConfig(process.env);
  const logger = createLogger({ service: 'auth', level: config.LOG_LEVEL });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const lifecycle = new Lifecycle();
  const app = createAuthApp({ lifecycle });
  await runService({
    name: 'auth',
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
