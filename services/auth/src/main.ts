import { ConfigError, createLogger, runService } from '@shardgate/shared';
import { createAuthHandler } from './app.js';
import { loadAuthConfig } from './config.js';
import { closeAuthDeps, createAuthDeps } from './create-deps.js';
import { KeyLoadError } from './domain/signing-keys.js';

/** Entry point: configuration, dependencies, the app, then the server and its shutdown handling. */
async function main(): Promise<void> {
  const config = loadAuthConfig(process.env);
  const logger = createLogger({ service: 'auth', level: config.LOG_LEVEL });
  const deps = createAuthDeps(config, logger);
  logger.info(
    { kid: deps.keys.signing.kid, publishedKeys: deps.keys.jwks.keys.length },
    'signing keys loaded',
  );
  await runService({
    name: 'auth',
    handler: createAuthHandler(deps),
    settings: config,
    registry: deps.metrics.registry,
    lifecycle: deps.lifecycle,
    logger,
    onClose: () => closeAuthDeps(deps),
  });
}

main().catch((error: unknown) => {
  // configuration and key errors name the variable or file; anything else is unexpected at start
  const known = error instanceof ConfigError || error instanceof KeyLoadError;
  console.error(known ? `auth: ${(error as Error).message}` : error);
  process.exit(1);
});
