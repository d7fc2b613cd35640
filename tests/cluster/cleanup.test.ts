import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Kube, uniqueName } from './support/kube.js';

/**
 * The auth database's cleanup CronJob, run now (`kubectl create job --from=cronjob/...`) in the
 * namespace that enforces Pod Security "restricted": its pod is admitted, reaches the auth primary
 * through the NetworkPolicies, deletes an expired session and leaves a live one.
 */
const kube = new Kube();
const PRIMARY = 'postgres-auth-primary-0';
const sql = (statement: string) => kube.psql(PRIMARY, statement, 'auth');

describe('the auth-cleanup CronJob', () => {
  it('runs as a restricted pod and deletes an expired session, not a live one', async () => {
    const [userId] = await sql(
      `INSERT INTO users (email, password_hash, updated_at)
       VALUES ('cleanup-${randomUUID()}@example.test', 'x', now()) RETURNING id`,
    );
    const expired = randomUUID();
    const live = randomUUID();
    for (const [session, expiry] of [
      [expired, "now() - interval '1 minute'"],
      [live, "now() + interval '1 day'"],
    ] as const) {
      await sql(
        `WITH s AS (INSERT INTO sessions (id, user_id, created_at) VALUES ('${session}', ${userId}, now() AT TIME ZONE 'UTC' - interval '1 hour') RETURNING id)
         INSERT INTO refresh_tokens (id, session_id, token_hash, created_at, expires_at)
         SELECT '${randomUUID()}', s.id, '${randomUUID()}', now(), (${expiry}) AT TIME ZONE 'UTC' FROM s`,
      );
    }
    const job = uniqueName('auth-cleanup-now');
    await kube.run(['create', 'job', job, '--from=cronjob/auth-cleanup']);
    try {
      try {
        await kube.run(['wait', '--for=condition=complete', `job/${job}`, '--timeout=180s'], {
          timeoutMs: 200_000,
        });
      } catch (error) {
        // the pods go with the Job: keep what they printed in the failure
        const logs = await kube
          .run(['logs', '-l', `job-name=${job}`, '--prefix', '--tail=20'])
          .then(
            (r) => r.stdout,
            (e: Error) => `no logs: ${e.message}`,
          );
        throw new Error(`${(error as Error).message}\nthe job's pods printed:\n${logs}`);
      }
      // the job may print a line per failed connection attempt before its report (it waits for
      // the database while the network plugin programs its address): the report is the last line
      const lines = (await kube.run(['logs', `job/${job}`])).stdout.trim().split('\n');
      const report = JSON.parse(lines.at(-1) ?? '');
      expect(report).toMatchObject({ msg: 'cleanup finished', outcome: 'ok' });
      expect(report.deleted.expired_sessions).toBeGreaterThanOrEqual(1);
      const left = await sql(
        `SELECT id FROM sessions WHERE id IN ('${expired}', '${live}') ORDER BY id`,
      );
      expect(left).toEqual([live]);
    } finally {
      await kube.run(['delete', 'job', job, '--wait=false']);
    }
  }, 240_000);
});
