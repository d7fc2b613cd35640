import type { RequestListener } from 'node:http';
import type { Registry } from 'prom-client';
import { ConfigError, type ServiceSettings } from './config.js';
import type { Lifecycle } from './lifecycle.js';
import { createLogger, type Logger } from './logger.js';
import { runService } from './run-service.js';

/** What the server needs of a service's dependencies: its metrics and its lifecycle. */
export interface ServedDeps {
  readonly metrics: { readonly registry: Registry };
  readonly lifecycle: Lifecycle;
}

/** What a service's process is made of, from its environment to its listening server. */
export interface ServiceProcess<Config extends ServiceSettings, Deps extends ServedDeps> {
  /** The service's name: the logger's `service`, and the prefix of a start-up error. */
  readonly name: string;
  /** Parses the environment; throws a `ConfigError` naming the variable when it cannot. */
  loadConfig(env: NodeJS.ProcessEnv): Config;
  /** Builds every dependency (the composition root). */
  createDeps(config: Config, logger: Logger): Deps;
  /** The request handler the server runs. */
  handler(deps: Deps): RequestListener;
  /** Releases the dependencies after the last request. */
  closeDeps(deps: Deps): Promise<void>;
  /** One start-up log line saying what this process runs with (its keys, its shards). */
  startupLine(deps: Deps, config: Config): readonly [fields: object, message: string];
  /** Start-up errors besides `ConfigError` whose message says it all (no stack trace). */
  readonly explainedErrors?: ReadonlyArray<abstract new (...args: never[]) => Error>;
}

/**
 * Runs a service as its process's entry point: configuration, logger, dependencies, one start-up
 * line, then the server with its shutdown handling. A start-up failure prints one line (or the
 * stack of an unexpected error) and exits 1.
 */
export function startServiceProcess<Config extends ServiceSettings, Deps extends ServedDeps>(
  service: ServiceProcess<Config, Deps>,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const start = async (): Promise<void> => {
    const config = service.loadConfig(env);
    const logger = createLogger({ service: service.name, level: config.LOG_LEVEL });
    const deps = service.createDeps(config, logger);
    const [fields, message] = service.startupLine(deps, config);
    logger.info(fields, message);
    await runService({
      name: service.name,
      handler: service.handler(deps),
      settings: config,
      registry: deps.metrics.registry,
      lifecycle: deps.lifecycle,
      logger,
      onClose: () => service.closeDeps(deps),
    });
  };
  start().catch((error: unknown) => {
    const explained = [ConfigError, ...(service.explainedErrors ?? [])].some(
      (type) => error instanceof type,
    );
    console.error(explained ? `${service.name}: ${(error as Error).message}` : error);
    process.exit(1);
  });
}
