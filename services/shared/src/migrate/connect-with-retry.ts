import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { MigrationError } from './migration-error.js';

/**
 * Errors that say "not reachable yet" rather than "wrong": a server still starting, a Service
 * without a ready endpoint, or a NetworkPolicy whose rules for a pod that has just started are not
 * in place yet (enforcers add a new pod's address a moment after it starts; until then they
 * refuse its connections).
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P03', // the database system is starting up
]);

/** True when connecting again later may succeed. */
export function isTransientConnectError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/**
 * Connects a new client, trying again every `intervalMs` while the failure is transient, for at
 * most `timeoutMs`. Authentication and other definite failures are thrown at once.
 *
 * @throws {@link MigrationError} `unreachable` naming the database and the last error when the
 *   time is up.
 */
export async function connectWithRetry(
  config: pg.ClientConfig,
  database: string,
  timeoutMs: number,
  intervalMs = 1_000,
): Promise<pg.Client> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client(config);
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (!isTransientConnectError(error)) throw error;
      if (Date.now() + intervalMs > deadline) {
        throw new MigrationError(
          'unreachable',
          `${database} was not reachable within ${Math.round(timeoutMs / 1000)} s: ${(error as Error).message}`,
          undefined,
          { cause: error },
        );
      }
      await sleep(intervalMs);
    }
  }
}
