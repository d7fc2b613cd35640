import { loadConfig, postgresUrl } from '@shardgate/shared';
import { z } from 'zod';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * The cleanup job's settings: only what it needs (the auth primary, no keys, no Redis), so its pod
 * gets nothing else. Documented in docs/configuration.md.
 */
export const cleanupConfigSchema = z.object({
  /** The auth database's primary. */
  DATABASE_URL: postgresUrl(),
  /** Rows per delete statement. */
  CLEANUP_BATCH_SIZE: int(1, 100_000, 1_000),
  /** Days a revoked session is kept (with its reason) before it is deleted. */
  CLEANUP_KEEP_REVOKED_DAYS: int(0, 3_650, 7),
  /** Days sent, failed or expired mail stays in the outbox (failed mail: time to look into it). */
  CLEANUP_KEEP_MAIL_DAYS: int(0, 3_650, 14),
  /** Days the job's own run records are kept. */
  CLEANUP_KEEP_RUNS_DAYS: int(1, 3_650, 30),
  /**
   * How long the job keeps trying to reach the database before it fails: a fresh pod's packets
   * may be dropped until the network plugin has programmed its NetworkPolicies, and a primary may
   * be restarting.
   */
  CLEANUP_CONNECT_WAIT_SECONDS: int(0, 600, 60),
});

/** The validated cleanup settings. */
export type CleanupConfig = Readonly<z.output<typeof cleanupConfigSchema>>;

/** Parses the environment; throws a ConfigError naming each bad variable. */
export function loadCleanupConfig(env: NodeJS.ProcessEnv): CleanupConfig {
  return loadConfig(cleanupConfigSchema, env);
}
