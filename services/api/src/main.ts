import { ConfigError, createLogger, runService } from '@shardgate/shared';
import { createApiApp } from './app.js';
import { loadApiConfig } from './config.js';
import { closeApiDeps, createApiDeps } from './create-deps.js';

/** Entry point: configuration, dependencies, the app, then the server and its shutdown handling. */
async function main(): Promise<void> {
  const config = loadApiConfig(process.env);
  const logger = createLogger({ service: 'api', level: config.LOG_LEVEL });
  const deps = createApiDeps(config, logger);
  logger.info(
    {
      shardMapVersion: config.shardMap.spec.version,
      shards: config.shards.map((s) => ({ name: s.name, replicas: s.replicaUrls.length })),
    },
    'shards configured',
  );
  await runService({
    name: 'api',
    handler: createApiApp(deps).callback(),
    settings: config,
    registry: deps.metrics.registry,
    lifecycle: deps.lifecycle,
    logger,
    onClose: () => closeApiDeps(deps),
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `api: ${error.message}` : error);
  process.exit(1);
});
