import { loadConfig, logLevel, port } from '@shardgate/shared';
import { z } from 'zod';

/**
 * The auth service's settings, read once from the environment at start.
 * docs/configuration.md documents every variable.
 */
export const configSchema = z.object({
  /** Interface to listen on. */
  HOST: z.string().default('0.0.0.0'),
  /** HTTP port of the service. */
  PORT: port(8080),
  /** Port of `GET /metrics`, kept apart so the ingress never routes it. */
  METRICS_PORT: port(9464),
  /** pino level. */
  LOG_LEVEL: logLevel(),
  /** Time readiness is false before the listener closes on SIGTERM (match the pod's preStop). */
  SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(120_000).default(5_000),
  /** Longest wait for in-flight requests once the listener has closed. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(25_000),
});

/** The validated, frozen configuration. */
export type AuthConfig = Readonly<z.output<typeof configSchema>>;

/** Parses the environment; throws a ConfigError naming each bad variable. */
export function loadAuthConfig(env: NodeJS.ProcessEnv): AuthConfig {
  return loadConfig(configSchema, env);
}
