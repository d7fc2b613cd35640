import {
  ConfigError,
  loadConfig,
  postgresUrl,
  postgresUrlList,
  serviceSettings,
} from '@shardgate/shared';
import { z } from 'zod';
import {
  DEFAULT_SHARD_MAP,
  ShardMap,
  ShardMapError,
  type ShardMapSpec,
} from './sharding/shard-map.js';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** The connection URLs of one shard. */
export interface ShardUrls {
  readonly name: string;
  readonly primaryUrl: string;
  readonly replicaUrls: readonly string[];
}

/**
 * The API service's settings, read once from the environment at start.
 * Every variable is documented in docs/configuration.md.
 */
export const configSchema = z.object({
  ...serviceSettings,

  /** The shard map as JSON (see docs/sharding.md); default: two shards by id parity. */
  SHARD_MAP: z.string().optional(),
  /**
   * Connections per database pool (each shard primary and replica), per process: a server sees
   * at most pods × this many. Small on purpose: each read is one prepared statement, and more
   * connections than the server has cores only queue in its scheduler (docs/benchmarks.md).
   */
  DATABASE_POOL_SIZE: int(1, 100, 4),
  /** How long after a user's write their reads wait for a replica to catch up (else go to the primary). */
  READ_YOUR_WRITES_WINDOW_SECONDS: int(1, 3_600, 30),
  /** How long a replica that failed is skipped before it is tried again. */
  REPLICA_RETRY_MS: int(100, 600_000, 5_000),
  /** Redis: profile cache and read-your-writes positions. */
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL'),
  /** How long a profile stays in Redis. */
  PROFILE_CACHE_TTL_SECONDS: int(1, 86_400, 300),

  /** The auth service's JWKS. */
  AUTH_JWKS_URL: z.url(),
  /** Expected `iss` of access tokens. */
  AUTH_ISSUER: z.string().min(1).default('http://127.0.0.1:8080'),
  /** Expected `aud` of access tokens. */
  AUTH_AUDIENCE: z.string().min(1).default('shardgate-api'),
  /** Verified access tokens remembered per process. */
  TOKEN_CACHE_SIZE: int(0, 1_000_000, 10_000),
});

/** The validated configuration: settings, the shard map and each shard's URLs. */
export type ApiConfig = Readonly<
  z.output<typeof configSchema> & { shardMap: ShardMap; shards: readonly ShardUrls[] }
>;

/**
 * Parses the environment: the settings, then the shard map and, for each shard it names,
 * `SHARD_<N>_PRIMARY_URL` and `SHARD_<N>_REPLICA_URLS`.
 * @throws ConfigError naming each bad variable.
 */
export function loadApiConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const settings = loadConfig(configSchema, env);
  let shardMap: ShardMap;
  try {
    shardMap = new ShardMap(
      settings.SHARD_MAP ? (JSON.parse(settings.SHARD_MAP) as ShardMapSpec) : DEFAULT_SHARD_MAP,
    );
  } catch (error) {
    throw new ConfigError([
      `SHARD_MAP: ${error instanceof ShardMapError ? error.message : 'must be valid JSON'}`,
    ]);
  }
  const problems: string[] = [];
  const shards: ShardUrls[] = [];
  for (const name of shardMap.shardNames) {
    const n = name.slice('shard'.length);
    const primary = postgresUrl().safeParse(env[`SHARD_${n}_PRIMARY_URL`]);
    const replicas = postgresUrlList().safeParse(env[`SHARD_${n}_REPLICA_URLS`] ?? '');
    if (!primary.success)
      problems.push(`SHARD_${n}_PRIMARY_URL: required for ${name}: a postgresql:// URL`);
    if (!replicas.success)
      problems.push(`SHARD_${n}_REPLICA_URLS: must be postgresql:// URLs separated by commas`);
    if (primary.success && replicas.success)
      shards.push({ name, primaryUrl: primary.data, replicaUrls: replicas.data });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ ...settings, shardMap, shards: Object.freeze(shards) });
}
