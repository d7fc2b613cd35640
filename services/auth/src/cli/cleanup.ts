#!/usr/bin/env node
/**
 * `cleanup`: deletes expired and long-revoked sessions, expired refresh tokens, old mail and run records
 * from the auth database, in batches, under an advisory lock (a second run at the same time
 * deletes nothing and says so). Run by the `auth-cleanup` CronJob, and by `npm run cleanup` on the
 * local stack. Prints one JSON line with what it deleted; exits 0 when it ran or was skipped, 1 when
 * it failed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, PgServer, statement } from '@shardgate/shared';
import { loadCleanupConfig } from '../cleanup/cleanup-config.js';
import { runCleanup } from '../cleanup/run-cleanup.js';
import { CleanupStore } from '../store/cleanup-store.js';

const DAY_MS = 86_400_000;

const PING = statement('cleanup.ping', 'SELECT 1');

/**
 * Waits until the database answers, trying again with a growing pause (1 s, then up to 5 s) for at
 * most `waitMs`; each failure is printed with its message only. Rejects with the last error.
 */
async function awaitDatabase(primary: PgServer, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await primary.rows(PING);
      return;
    } catch (error) {
      const pause = Math.min(5_000, 1_000 * attempt);
      if (Date.now() + pause > deadline) throw error;
      console.error(
        JSON.stringify({
          msg: 'database not reachable yet',
          attempt,
          error: (error as Error).message,
          retryInMs: pause,
        }),
      );
      await sleep(pause);
    }
  }
}

async function main(): Promise<number> {
  const config = loadCleanupConfig(process.env);
  const primary = new PgServer(config.DATABASE_URL, 1);
  try {
    await awaitDatabase(primary, config.CLEANUP_CONNECT_WAIT_SECONDS * 1000);
    const report = await primary.onOneConnection((connection) =>
      runCleanup(new CleanupStore(connection), {
        batchSize: config.CLEANUP_BATCH_SIZE,
        keepRevokedMs: config.CLEANUP_KEEP_REVOKED_DAYS * DAY_MS,
        keepMailMs: config.CLEANUP_KEEP_MAIL_DAYS * DAY_MS,
        keepRunsMs: config.CLEANUP_KEEP_RUNS_DAYS * DAY_MS,
      }),
    );
    console.log(JSON.stringify({ msg: 'cleanup finished', ...report }));
    return 0;
  } finally {
    await primary.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // the message only: a connection error may quote its URL's host, never its password
    console.error(
      JSON.stringify({
        msg: 'cleanup failed',
        error: error instanceof ConfigError ? error.message : (error as Error).message,
      }),
    );
    process.exit(1);
  },
);
