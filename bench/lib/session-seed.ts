import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importJWK, type JWK, SignJWT } from 'jose';
import pg from 'pg';
import type { StackLayout } from '../../scripts/stack/layout.js';
import { serviceEnv } from '../../scripts/stack/services.js';
import type { StackSecrets } from '../../scripts/stack/state.js';

/** A seeded session and the access token that names it. */
export interface SeededSession {
  readonly userId: number;
  readonly sessionId: string;
  readonly token: string;
}

/**
 * Creates `count` users with one live session each directly in the auth database, and signs an
 * access token for each with the stack's own signing key, exactly as the auth service issues them
 * (same header, issuer, audience and claims, 15 minutes): the cheap way to have 100,000 distinct
 * sessions that `/verify` must look up, where registering and logging in each would take many
 * minutes. The users cannot log in (their password hash is not a hash), which nothing here needs.
 */
export async function seedSessions(
  layout: StackLayout,
  secrets: StackSecrets,
  count: number,
  tag: string,
): Promise<SeededSession[]> {
  const env = serviceEnv(layout, secrets, 'auth');
  const client = new pg.Client({ connectionString: env.DATABASE_URL });
  await client.connect();
  let rows: Array<{ user_id: number; session_id: string; email: string }>;
  try {
    const result = await client.query<{ user_id: number; session_id: string; email: string }>(
      `WITH u AS (
         INSERT INTO users (email, password_hash, role, active, created_at, updated_at)
         SELECT 'scale-' || $1::text || '-' || g || '@bench.invalid', 'not a hash: cannot log in',
                'user', true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
         FROM generate_series(1, $2::int) AS g
         RETURNING id, email
       ), s AS (
         INSERT INTO sessions (id, user_id, created_at)
         SELECT gen_random_uuid(), u.id, now() AT TIME ZONE 'UTC' FROM u
         RETURNING id, user_id
       )
       SELECT s.user_id, s.id AS session_id, u.email FROM s JOIN u ON u.id = s.user_id`,
      [tag, count],
    );
    rows = result.rows;
    await settle(client, String(env.DATABASE_REPLICA_URLS).split(',')[0] ?? '');
  } finally {
    await client.end();
  }
  const dir = join(layout.dir, 'keys');
  const file = readdirSync(dir).find((f) => f.endsWith('.jwk.json'));
  if (!file) throw new Error(`no signing key in ${dir}`);
  const jwk = JSON.parse(readFileSync(join(dir, file), 'utf8')) as JWK & { kid: string };
  const key = await importJWK(jwk, 'EdDSA');
  const now = Math.floor(Date.now() / 1000);
  const sign = (row: (typeof rows)[number]) =>
    new SignJWT({ email: row.email, role: 'user', sid: row.session_id })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: jwk.kid })
      .setIssuer(String(env.AUTH_ISSUER))
      .setAudience('shardgate-api')
      .setSubject(String(row.user_id))
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .sign(key);
  const sessions: SeededSession[] = [];
  for (const row of rows) {
    sessions.push({ userId: row.user_id, sessionId: row.session_id, token: await sign(row) });
  }
  return sessions;
}

/** How long the replica may take to replay the seeding. */
const REPLAY_DEADLINE_MS = 180_000;

/**
 * Lets the databases digest a large insert before anything is measured: vacuums and analyses the
 * two tables now (autovacuum would otherwise do it, and the replica replay it, during the first
 * measurement) and waits until the replica has replayed everything the primary wrote.
 */
async function settle(primary: pg.Client, replicaUrl: string): Promise<void> {
  await primary.query('VACUUM ANALYZE users, sessions');
  const written = (await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn() AS lsn'))
    .rows[0]?.lsn;
  const replica = new pg.Client({ connectionString: replicaUrl });
  await replica.connect();
  try {
    const deadline = Date.now() + REPLAY_DEADLINE_MS;
    for (;;) {
      const replayed = await replica.query<{ done: boolean }>(
        'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done',
        [written],
      );
      if (replayed.rows[0]?.done) return;
      if (Date.now() > deadline)
        throw new Error(`the auth replica did not replay the seeding (${written}) in time`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await replica.end();
  }
}
