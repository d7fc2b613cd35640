import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { noticeMail } from '../../src/mail/templates/notice-mail.js';
import { startAuthServer, type TestAuthServer } from '../support/auth-server.js';
import { mailEnv, uniqueAddress } from '../support/mail-env.js';
import { type MailSuite, startMailSuite } from '../support/mail-suite.js';
import { mailTo, type PrivateMailpit, readMail, waitForMail } from '../support/mailpit.js';
import { eventually, freePort } from '../support/processes.js';
import {
  createScratchAuthDatabase,
  type ScratchAuthDatabase,
} from '../support/scratch-auth-database.js';

/**
 * The SMTP server goes away and comes back. Each suite has a database of its own, so the loops it
 * starts are the only ones sending its mail, and a Mailpit of its own, which it stops.
 */

interface OutboxRow {
  id: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

/** The value of a metric without labels in the app's registry. */
async function metric(server: TestAuthServer, name: string): Promise<number> {
  const found = (await server.deps.metrics.registry.getMetricsAsJSON()).find(
    (m) => m.name === name,
  );
  return Number(found?.values[0]?.value ?? Number.NaN);
}

describe('while the SMTP server is down', () => {
  let db: ScratchAuthDatabase;
  let mailpit: PrivateMailpit;
  let server: TestAuthServer;
  let suite: MailSuite | undefined;
  beforeAll(async () => {
    suite = await startMailSuite({ smtpUp: true, mail: { MAIL_MAX_ATTEMPTS: '100' } });
    ({ db, mailpit, server } = suite);
  });
  afterAll(() => suite?.close());

  it('enqueueing succeeds, nothing is lost, and everything is delivered once it is back', async () => {
    // delivered while it is up: the loop works, and the counters move from a known point
    const early = uniqueAddress('before-outage');
    const earlyId = await server.deps.mail.enqueue({
      to: early,
      ...noticeMail({ subject: 'up', paragraphs: [] }),
    });
    const [summary] = await waitForMail(mailpit.url, early);
    // this app is the only sender here: the From and the Message-ID are its own
    expect(summary?.From).toEqual({ Name: 'shardgate tests', Address: 'no-reply@shardgate.test' });
    expect(summary?.MessageID).toBe(`${earlyId}@shardgate.test`);
    const sentBefore = await metric(server, 'auth_mail_sent_total');

    await mailpit.stop();
    const secret = `body-secret-${crypto.randomUUID()}`;
    const addresses = [1, 2, 3].map((n) => uniqueAddress(`outage-${n}`));
    const ids: string[] = [];
    for (const to of addresses) {
      ids.push(
        await server.deps.mail.enqueue({
          to,
          ...noticeMail({ subject: 'while down', paragraphs: [secret] }),
        }),
      );
    }

    // every mail is tried, fails, and waits for its next attempt, still pending
    await eventually(
      async () => {
        const rows = await db.query<OutboxRow>(
          'SELECT id, status, attempts, last_error FROM mail_outbox WHERE id = ANY($1)',
          [ids],
        );
        return rows.length === 3 && rows.every((r) => r.status === 'pending' && r.attempts >= 2);
      },
      30_000,
      'every mail to be tried at least twice',
    );
    const failed = await db.query<OutboxRow>(
      'SELECT id, status, attempts, last_error FROM mail_outbox WHERE id = ANY($1)',
      [ids],
    );
    expect(failed.every((r) => (r.last_error ?? '').length > 0)).toBe(true);
    // waiting, the bodies are sealed: the table does not show them
    const [showing] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mail_outbox WHERE mail_outbox::text LIKE $1',
      [`%${secret}%`],
    );
    expect(showing?.n).toBe(0);
    expect(await metric(server, 'auth_mail_retries_total')).toBeGreaterThanOrEqual(6);
    expect(await metric(server, 'auth_mail_pending')).toBe(3);
    expect(await metric(server, 'auth_mail_oldest_pending_age_seconds')).toBeGreaterThan(0);
    expect(await metric(server, 'auth_mail_failed_total')).toBe(0);

    await mailpit.start();
    for (const to of addresses) await waitForMail(mailpit.url, to);
    await eventually(
      async () =>
        (await db.query<OutboxRow>("SELECT id FROM mail_outbox WHERE status <> 'sent'")).length ===
        0,
      30_000,
      'every mail to be recorded as sent',
    );
    for (const to of addresses) expect(await mailTo(mailpit.url, to)).toHaveLength(1);
    const [delivered] = await mailTo(mailpit.url, addresses[0] as string);
    expect((await readMail(mailpit.url, delivered?.ID ?? '')).Text).toContain(secret);
    expect(await metric(server, 'auth_mail_sent_total')).toBe(sentBefore + 3);
    await eventually(
      async () => (await metric(server, 'auth_mail_pending')) === 0,
      10_000,
      'the pending gauge to fall to 0',
    );
    expect(await metric(server, 'auth_mail_oldest_pending_age_seconds')).toBe(0);

    // the logs name each mail by id, and never its recipient or its body
    const logs = server.logs.join('\n');
    for (const id of ids) expect(logs).toContain(id);
    for (const to of [early, ...addresses]) expect(logs).not.toContain(to);
    expect(logs).not.toContain(secret);
  });
});

describe('when the SMTP server never comes back', () => {
  let db: ScratchAuthDatabase;
  let server: TestAuthServer;
  beforeAll(async () => {
    db = await createScratchAuthDatabase();
    // nothing listens there: every connection is refused
    server = await startAuthServer({
      DATABASE_URL: db.url,
      DATABASE_REPLICA_URLS: '',
      ...mailEnv(await freePort(), { MAIL_MAX_ATTEMPTS: '3' }),
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('a mail is marked failed after MAIL_MAX_ATTEMPTS, its bodies blanked, the rest kept', async () => {
    const to = uniqueAddress('never');
    const token = `live-token-${crypto.randomUUID()}`;
    const id = await server.deps.mail.enqueue({
      to,
      ...noticeMail({
        subject: 'never',
        paragraphs: ['a link'],
        action: { label: 'Reset', url: `https://example.com/reset#token=${token}` },
      }),
    });
    // read together at every look: a failed row is never seen with its bodies
    const seen: { status: string; text_body: string }[] = [];
    await eventually(
      async () => {
        const [now] = await db.query<{ status: string; text_body: string }>(
          'SELECT status, text_body FROM mail_outbox WHERE id = $1',
          [id],
        );
        if (now) seen.push(now);
        return now?.status === 'failed';
      },
      30_000,
      'the mail to be marked failed',
    );
    expect(seen.filter((r) => r.status === 'failed' && r.text_body !== '')).toEqual([]);
    const [row] = await db.query<
      OutboxRow & {
        recipient: string;
        subject: string;
        text_body: string;
        html_body: string;
        created_at: Date;
        failed_at: Date | null;
      }
    >('SELECT * FROM mail_outbox WHERE id = $1', [id]);
    expect(row?.attempts).toBe(3);
    // the link's token is gone from the row in the statement that gave up on it
    expect([row?.text_body, row?.html_body]).toEqual(['', '']);
    const [withToken] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mail_outbox WHERE mail_outbox::text LIKE $1',
      [`%${token}%`],
    );
    expect(withToken?.n).toBe(0);
    // what an audit needs stays
    expect([row?.recipient, row?.subject]).toEqual([to, 'never']);
    expect(row?.created_at).toBeInstanceOf(Date);
    expect(row?.failed_at).toBeInstanceOf(Date);
    expect(row?.last_error).toMatch(/ECONNREFUSED|connect/i);
    expect(await metric(server, 'auth_mail_failed_total')).toBe(1);
    expect(await metric(server, 'auth_mail_retries_total')).toBe(2);
    const lines = server.logs.filter((l) => l.includes(id)).map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual([
      'mail delivery failed; will try again',
      'mail delivery failed; will try again',
      'mail not delivered; given up (kept in mail_outbox as failed)',
    ]);
    expect(lines.every((l) => l.code === 'ECONNECTION' || l.code === 'ESOCKET')).toBe(true);
  });
});

describe('with SMTP_TLS=starttls and a server that offers no STARTTLS', () => {
  const password = `smtp-password-${crypto.randomUUID()}`;
  let db: ScratchAuthDatabase;
  let server: TestAuthServer;
  beforeAll(async () => {
    db = await createScratchAuthDatabase();
    // the test stack's Mailpit speaks plain SMTP only
    server = await startAuthServer({
      DATABASE_URL: db.url,
      DATABASE_REPLICA_URLS: '',
      ...mailEnv(inject('stack').mailpitSmtpPort, {
        SMTP_TLS: 'starttls',
        SMTP_USER: 'mailer',
        SMTP_PASSWORD: password,
        MAIL_MAX_ATTEMPTS: '2',
      }),
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('sends nothing in clear text, and never logs the password', async () => {
    const to = uniqueAddress('starttls');
    const id = await server.deps.mail.enqueue({
      to,
      ...noticeMail({ subject: 'tls only', paragraphs: [] }),
    });
    await eventually(
      async () =>
        (await db.query<OutboxRow>('SELECT status FROM mail_outbox WHERE id = $1', [id]))[0]
          ?.status === 'failed',
      30_000,
      'the mail to be marked failed',
    );
    const [row] = await db.query<OutboxRow>('SELECT last_error FROM mail_outbox WHERE id = $1', [
      id,
    ]);
    expect(row?.last_error).toMatch(/STARTTLS/i);
    expect(await mailTo(inject('stack').mailpitUrl, to)).toEqual([]);

    // the setting is redacted by name should anything ever log the configuration
    server.deps.logger.info({ config: server.deps.config }, 'configuration, logged by mistake');
    const logs = server.logs.join('\n');
    expect(logs).toContain('"SMTP_PASSWORD":"[redacted]"');
    expect(logs).not.toContain(password);
  });
});

describe('without SMTP_HOST', () => {
  let db: ScratchAuthDatabase;
  let server: TestAuthServer;
  beforeAll(async () => {
    db = await createScratchAuthDatabase();
    server = await startAuthServer({ DATABASE_URL: db.url, DATABASE_REPLICA_URLS: '' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('the process only enqueues, says so, and its gauges show the mail waiting', async () => {
    expect(server.deps.mailDelivery).toBeNull();
    expect(server.logs.some((l) => l.includes('SMTP_HOST is not set'))).toBe(true);
    await server.deps.mail.enqueue({
      to: uniqueAddress('unsent'),
      ...noticeMail({ subject: 'waits', paragraphs: [] }),
    });
    expect(await metric(server, 'auth_mail_pending')).toBe(1);
    await eventually(
      async () => (await metric(server, 'auth_mail_oldest_pending_age_seconds')) > 0.05,
      10_000,
      'the oldest mail to age',
    );
    const [row] = await db.query<OutboxRow>('SELECT status, attempts FROM mail_outbox');
    expect([row?.status, row?.attempts]).toEqual(['pending', 0]);
  });
});
