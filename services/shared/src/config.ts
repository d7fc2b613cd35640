import { z } from 'zod';
import type { HstsSettings } from './http/hsts.js';

/** Thrown when the environment does not satisfy a service's configuration schema. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** One entry per offending variable: `NAME: reason`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/**
 * Parses the environment once, at start, against a schema whose keys are the variable names.
 * Returns a deeply frozen object; on failure throws a {@link ConfigError} naming every bad
 * variable (never its value, which may be a secret).
 *
 * @example
 * const config = loadConfig(z.object({ PORT: port(8080) }), process.env);
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv,
): Readonly<z.output<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** A TCP port variable with a default. */
export const port = (fallback: number) =>
  z.coerce.number().int().min(1).max(65535).default(fallback);

/** A `postgresql://` URL variable. */
export const postgresUrl = () =>
  z.string().refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgresql:// URL');

/** A comma-separated list of `postgresql://` URLs; empty means none. */
export const postgresUrlList = () =>
  z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine(
      (list) => list.every((v) => /^postgres(ql)?:\/\//.test(v)),
      'must be postgresql:// URLs separated by commas',
    );

/** A `true`/`false` (or `1`/`0`) variable with a default. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1'));

/** The pino log level variable. */
export const logLevel = () =>
  z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/**
 * The settings every shardgate service has, with their defaults; each service spreads this
 * shape into its own schema, and `runService` takes the parsed result.
 */
export const serviceSettings = {
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
  /**
   * When SIGTERM closes the listener: `after-drain` (Kubernetes: the endpoint is already gone from
   * the Service, and the listener stays open through the drain delay for connections still on
   * their way), or `at-signal` (a gateway that keeps listing the process, like the local one: new
   * connections are refused at once, which a proxy retries elsewhere, instead of racing the close).
   */
  SHUTDOWN_CLOSE_LISTENER: z.enum(['after-drain', 'at-signal']).default('after-drain'),
  /** Longest wait for in-flight requests once the listener has closed. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(25_000),
  /**
   * Proxies in front of the service whose `X-Forwarded-For` and `X-Forwarded-Proto` entries are
   * believed (the ingress controller: 1). The client address feeds rate limits; the protocol
   * decides whether HSTS is sent.
   */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(1),
  /** Send `Strict-Transport-Security` on answers to requests that came over TLS. */
  HSTS_ENABLED: flag(true),
  /**
   * Its `max-age`: one year, what browsers' preload lists and scanners expect. 0 makes browsers
   * forget the policy (the way back, kept on for a while before turning HSTS off). At most 2 years.
   */
  HSTS_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(63_072_000).default(31_536_000),
  /**
   * Its `includeSubDomains`: off, since the service cannot know which hosts live under the one it
   * answers for, and on would lock every one of them to https.
   */
  HSTS_INCLUDE_SUBDOMAINS: flag(false),
};

/** The {@link HstsSettings} of parsed {@link serviceSettings}. */
export function hstsSettings(
  settings: Pick<
    ServiceSettings,
    'HSTS_ENABLED' | 'HSTS_MAX_AGE_SECONDS' | 'HSTS_INCLUDE_SUBDOMAINS'
  >,
): HstsSettings {
  return {
    enabled: settings.HSTS_ENABLED,
    maxAgeSeconds: settings.HSTS_MAX_AGE_SECONDS,
    includeSubdomains: settings.HSTS_INCLUDE_SUBDOMAINS,
  };
}

/** The parsed {@link serviceSettings}. */
export type ServiceSettings = z.output<z.ZodObject<typeof serviceSettings>>;
