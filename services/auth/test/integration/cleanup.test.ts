import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PgServer } from '@shardgate/shared';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CleanupOptions, runCleanup } from '../../src/cleanup/run-cleanup.js';
import { AuthDatabase } from '../../src/store/auth-database.js';
import { CleanupStore } from '../../src/store/cleanup-store.js';
import { MfaChallengesStore } from '../../src/store/mfa-challenges-store.js';
import { SessionsStore } from '../../src/store/sessions-store.js';
import { UsersStore } from '../../src/store/users-store.js';
import { call, newUser, startAuthServer, type TestAuthServer } from '../support/auth-server.js';
import { freePort } from '../support/processes.js';
import { authSql } from '../support/sql.js';

/**
 * The cleanup job on the test stack's auth primary: what it deletes, what it leaves alone, its
 * lock between concurrent runs, its records as the service's metrics, and its command.
 */

const primaryUrl = inject('stack').pg.auth.primary;
const db = new AuthDatabase(primaryUrl, [], 2);
const users = new UsersStore(db);
const sessions = new SessionsStore(db);
const challenges = new MfaChallengesStore(db);
/** Two servers, so that two runs hold two database sessions, as two pods would. */
const first = new PgServer(primaryUrl, 1);
const second = new PgServer(primaryUrl, 1);
let server: TestAuthServer;
beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await server.close();
  await Promise.all([db.close(), first.close(), second.close()]);
});

const DAY_MS = 86_400_000;
const OPTIONS: CleanupOptions = {
  batchSize: 50,
  keepRevokedMs: 7 * DAY_MS,
  keepMailMs: 14 * DAY_MS,
  keepRunsMs: 30 * DAY_MS,
};
const hash = () => randomBytes(32).toString('hex');
const ago = (ms: number) => new Date(Date.now() - ms);
const later = () => new Date(Date.now() + DAY_MS);
const cleanupOn = (pg: PgServer, options = OPTIONS) =>
  pg.onOneConnection((connection) => runCleanup(new CleanupStore(connection), options));

async function aUser(): Promise<number> {
  const email = `cleanup-${randomBytes(6).toString('hex')}@example.com`;
  return (await users.create({ email, name: null, passwordHash: 'x' })).id;
}
const sessionExists = async (id: string) =>
  (await authSql('SELECT 1 FROM sessions WHERE id = $1', [id])).length === 1;
const challengeExists = async (tokenHash: string) =>
  (await authSql('SELECT 1 FROM mfa_challenges WHERE token_hash = $1', [tokenHash])).length === 1;
const tokenCount = async (sessionId: string) =>
  Number(
    (
      await authSql<{ n: string }>(
        'SELECT count(*) AS n FROM refresh_tokens WHERE session_id = $1',
        [sessionId],
      )
    )[0]?.n,
  );

/** A user with one session of each fate; the ids the assertions look for. */
async function seed() {
  const userId = await aUser();
  const expired = await sessions.create(userId, hash(), ago(60_000));
  const oldRevoked = await sessions.create(userId, hash(), later());
  await sessions.revoke(oldRevoked, 'logout', ago(8 * DAY_MS));
  const recentRevoked = await sessions.create(userId, hash(), later());
  await sessions.revoke(recentRevoked, 'logout', ago(DAY_MS));
  // a live session whose first link expired: the link goes, the session and its head stay
  const firstHash = hash();
  const chained = await sessions.create(userId, firstHash, ago(1_000));
  const link = await sessions.findToken(firstHash);
  await sessions.rotate(link?.id ?? '', new Date(), { tokenHash: hash(), expiresAt: later() });
  // MFA challenges: one expired, one consumed, one still usable
  const expiredChallenge = hash();
  await challenges.create(expiredChallenge, userId, ago(6 * 60_000), ago(60_000));
  const consumedChallenge = hash();
  await challenges.create(consumedChallenge, userId, ago(2_000), later());
  await challenges.consume(consumedChallenge, ago(1_000));
  const liveChallenge = hash();
  await challenges.create(liveChallenge, userId, new Date(), later());
  return {
    expired,
    oldRevoked,
    recentRevoked,
    chained,
    expiredChallenge,
    consumedChallenge,
    liveChallenge,
  };
}

describe('the cleanup job', () => {
  it('deletes what no request can use and leaves live sessions untouched', async () => {
    const seeded = await seed();
    const live = await newUser(server.url);
    const rotated = await call(server.url, 'POST', '/auth/refresh', {
      json: { refresh_token: live.refreshToken },
    });
    expect(rotated.status).toBe(200);

    const report = await cleanupOn(first);
    expect(report.outcome).toBe('ok');
    expect(report.deleted.expired_sessions).toBeGreaterThanOrEqual(1);
    expect(report.deleted.revoked_sessions).toBeGreaterThanOrEqual(1);
    expect(report.deleted.expired_refresh_tokens).toBeGreaterThanOrEqual(1);
    expect(report.deleted.mfa_challenges).toBeGreaterThanOrEqual(2);
    expect(await challengeExists(seeded.expiredChallenge)).toBe(false);
    expect(await challengeExists(seeded.consumedChallenge)).toBe(false);
    expect(await challengeExists(seeded.liveChallenge)).toBe(true);
    expect(await sessionExists(seeded.expired)).toBe(false);
    expect(await sessionExists(seeded.oldRevoked)).toBe(false);
    expect(await sessionExists(seeded.recentRevoked)).toBe(true);
    expect(await sessionExists(seeded.chained)).toBe(true);
    expect(await tokenCount(seeded.chained)).toBe(1);
    // no expired row remains (nothing the run could see was left behind)
    const [left] = await authSql<{ tokens: string; sessions: string }>(
      `SELECT (SELECT count(*) FROM refresh_tokens WHERE expires_at < now() AT TIME ZONE 'UTC') AS tokens,
              (SELECT count(*) FROM sessions s WHERE revoked_at IS NULL AND NOT EXISTS (
                 SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id
                   AND t.expires_at >= now() AT TIME ZONE 'UTC')) AS sessions`,
    );
    expect(left).toEqual({ tokens: '0', sessions: '0' });
    // the live user's session works on: its access token, its rotated refresh token (spent, kept)
    expect(
      (await call(server.url, 'GET', '/verify', { token: rotated.body.access_token })).status,
    ).toBe(200);
    const next = await call(server.url, 'POST', '/auth/refresh', {
      json: { refresh_token: rotated.body.refresh_token },
    });
    expect(next.status).toBe(200);
    // and a spent token of it still revokes the family: the chain's history was kept
    const replay = await call(server.url, 'POST', '/auth/refresh', {
      json: { refresh_token: live.refreshToken },
    });
    expect(replay.status).toBe(401);
    expect(
      (await call(server.url, 'GET', '/verify', { token: next.body.access_token })).status,
    ).toBe(401);
  });

  it('deletes mail the outbox is done with, and pending mail long expired; never other pending mail', async () => {
    /**
     * A mail in `status` since `daysAgo`, expiring `expiresDaysAgo` ago (null: never), and not due
     * before tomorrow: no delivery loop of the stack sends or marks the pending ones meanwhile.
     */
    const mail = async (status: string, daysAgo: number, expiresDaysAgo: number | null = null) => {
      const [row] = await authSql<{ id: string }>(
        `INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body, status, created_at,
           sent_at, failed_at, expired_at, expires_at, next_attempt_at)
         VALUES (gen_random_uuid(), 'a@example.com', 's', '', '', $1::"MailStatus",
           now() AT TIME ZONE 'UTC' - make_interval(days => $2),
           CASE WHEN $1 = 'sent' THEN now() AT TIME ZONE 'UTC' - make_interval(days => $2) END,
           CASE WHEN $1 = 'failed' THEN now() AT TIME ZONE 'UTC' - make_interval(days => $2) END,
           CASE WHEN $1 = 'expired' THEN now() AT TIME ZONE 'UTC' - make_interval(days => $2) END,
           now() AT TIME ZONE 'UTC' - make_interval(days => $3::int),
           now() AT TIME ZONE 'UTC' + interval '1 day')
         RETURNING id`,
        [status, daysAgo, expiresDaysAgo],
      );
      return row?.id as string;
    };
    const ids = {
      oldSent: await mail('sent', 15),
      oldFailed: await mail('failed', 15),
      oldExpired: await mail('expired', 15, 15),
      // nobody marked it (no delivery loop ran): it can never be sent either
      pendingLongExpired: await mail('pending', 16, 15),
      oldPending: await mail('pending', 15),
      pendingExpiringLater: await mail('pending', 15, -1),
      pendingRecentlyExpired: await mail('pending', 2, 1),
      recentSent: await mail('sent', 1),
      recentExpired: await mail('expired', 1, 1),
    };
    try {
      const report = await cleanupOn(first);
      expect(report.deleted.mail).toBeGreaterThanOrEqual(4);
      const left = await authSql<{ id: string }>('SELECT id FROM mail_outbox WHERE id = ANY($1)', [
        Object.values(ids),
      ]);
      expect(left.map((r) => r.id).sort()).toEqual(
        [
          ids.oldPending,
          ids.pendingExpiringLater,
          ids.pendingRecentlyExpired,
          ids.recentSent,
          ids.recentExpired,
        ].sort(),
      );
    } finally {
      // the pending one must not be sent by a delivery loop of another suite
      await authSql('DELETE FROM mail_outbox WHERE id = ANY($1)', [Object.values(ids)]);
    }
  });

  it('a run while another holds the lock deletes nothing and says so', async () => {
    const { expired } = await seed();
    const report = await first.onOneConnection(async (holder) => {
      const lock = new CleanupStore(holder);
      expect(await lock.tryLock()).toBe(true);
      try {
        return await cleanupOn(second);
      } finally {
        await lock.unlock();
      }
    });
    expect(report.outcome).toBe('skipped');
    expect(Object.values(report.deleted).every((n) => n === 0)).toBe(true);
    expect(await sessionExists(expired)).toBe(true);
    expect((await cleanupOn(second)).outcome).toBe('ok');
    expect(await sessionExists(expired)).toBe(false);
  });

  it('two runs at once: one deletes, each row once, the other skips or finds nothing left', async () => {
    const userId = await aUser();
    const ids = await Promise.all(
      Array.from({ length: 400 }, () => sessions.create(userId, hash(), ago(1_000))),
    );
    const small = { ...OPTIONS, batchSize: 10 };
    const reports = await Promise.all([cleanupOn(first, small), cleanupOn(second, small)]);
    expect(reports.map((r) => r.outcome).sort()).toSatisfy(
      (outcomes: string[]) =>
        JSON.stringify(outcomes) === '["ok","skipped"]' ||
        JSON.stringify(outcomes) === '["ok","ok"]',
    );
    const remaining = await authSql('SELECT 1 FROM sessions WHERE id = ANY($1::uuid[])', [ids]);
    expect(remaining).toHaveLength(0);
    // every one of them was deleted by exactly one of the runs (more may have been, by others')
    const total = reports.reduce((n, r) => n + r.deleted.expired_sessions, 0);
    expect(total).toBeGreaterThanOrEqual(ids.length);
  });

  it('its latest runs are the auth service’s metrics', async () => {
    const before = Date.now();
    const report = await cleanupOn(first);
    expect(report.outcome).toBe('ok');
    const text = await server.deps.metrics.registry.metrics();
    const value = (name: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line === undefined ? undefined : Number(line.split(' ')[1]);
    };
    const finished = value('auth_cleanup_last_success_timestamp_seconds') ?? 0;
    expect(finished * 1000).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(value('auth_cleanup_last_success_duration_seconds')).toBeGreaterThanOrEqual(0);
    expect(value('auth_cleanup_last_run_failed')).toBe(0);
    expect(text).toMatch(
      /^auth_cleanup_last_success_deleted_rows\{kind="expired_sessions"\} \d+$/m,
    );
  });

  it('its command prints what it did, and fails clearly without a database', async () => {
    const command = fileURLToPath(new URL('../../dist/cli/cleanup.js', import.meta.url));
    const run = async (env: NodeJS.ProcessEnv) => {
      const child = spawn(process.execPath, [command], { env: { PATH: process.env.PATH, ...env } });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.on('data', (chunk) => (err += chunk));
      const [code] = await once(child, 'exit');
      return { code, out, err };
    };
    const ok = await run({ DATABASE_URL: primaryUrl, CLEANUP_BATCH_SIZE: '100' });
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ msg: 'cleanup finished', outcome: 'ok' });
    // it keeps trying for CLEANUP_CONNECT_WAIT_SECONDS, then fails with the message alone
    const started = Date.now();
    const bad = await run({
      DATABASE_URL: 'postgresql://nobody:hunter2@127.0.0.1:1/none',
      CLEANUP_CONNECT_WAIT_SECONDS: '2',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/database not reachable yet/);
    expect(bad.err).toMatch(/cleanup failed/);
    expect(bad.err).not.toContain('hunter2');
    // a database that becomes reachable while it waits (a NetworkPolicy programmed late): it runs
    const port = await freePort();
    const late = new URL(primaryUrl);
    const primaryPort = Number(late.port);
    late.port = String(port);
    const forwarder = createServer((client) => {
      const upstream = connect(primaryPort, '127.0.0.1');
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    const opening = setTimeout(() => forwarder.listen(port, '127.0.0.1'), 1_500);
    try {
      const waited = await run({ DATABASE_URL: late.href, CLEANUP_CONNECT_WAIT_SECONDS: '30' });
      expect(waited.code, waited.err).toBe(0);
      expect(waited.err).toMatch(/database not reachable yet/);
      expect(JSON.parse(waited.out)).toMatchObject({ msg: 'cleanup finished' });
    } finally {
      clearTimeout(opening);
      forwarder.close();
    }
    const unset = await run({});
    expect(unset.code).toBe(1);
    expect(unset.err).toMatch(/DATABASE_URL/);
  });
});
