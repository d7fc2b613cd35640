import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { noticeMail } from '../../src/mail/templates/notice-mail.js';
import { startAuthServer, type TestAuthServer } from '../support/auth-server.js';
import { mailEnv, uniqueAddress } from '../support/mail-env.js';
import { mailTo, readMail, waitForMail } from '../support/mailpit.js';
import { eventually } from '../support/processes.js';
import {
  createScratchAuthDatabase,
  type ScratchAuthDatabase,
} from '../support/scratch-auth-database.js';

/**
 * Pending mail is sealed at rest: whoever reads `mail_outbox` finds no link in it, while the
 * delivery loop opens and sends it whole. The suite's own database, so that its loops are the
 * only ones sending it; the test stack's Mailpit receives (the stack's own auth process never
 * reads this database).
 */

interface SealRow {
  status: string;
  body_sealed: boolean;
  text_body: string;
  html_body: string;
  last_error: string | null;
}

/** A key other than the development key the test apps use by default. */
const OTHER_KEY = Buffer.alloc(32, 9).toString('base64url');

let db: ScratchAuthDatabase;
let writer: TestAuthServer;
const mailpit = () => inject('stack').mailpitUrl;
beforeAll(async () => {
  db = await createScratchAuthDatabase();
  // no SMTP_HOST: this app only enqueues, so the mail waits in the table to be looked at
  writer = await startAuthServer({ DATABASE_URL: db.url, DATABASE_REPLICA_URLS: '' });
});
afterAll(async () => {
  await writer?.close();
  await db?.drop();
});

const rowOf = async (id: string) =>
  (await db.query<SealRow>('SELECT * FROM mail_outbox WHERE id = $1', [id]))[0];
/** Rows in which `needle` appears anywhere, read as a whole. */
const rowsHolding = async (needle: string) =>
  (
    await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mail_outbox WHERE mail_outbox::text LIKE $1',
      [`%${needle}%`],
    )
  )[0]?.n;

/** A link mail to `to` whose token is `token`. */
const linkMail = (to: string, token: string) => ({
  to,
  kind: 'reset_password' as const,
  ...noticeMail({
    subject: 'Reset your password',
    paragraphs: ['Follow the link.'],
    action: { label: 'Reset', url: `https://example.com/reset#token=${token}` },
  }),
});

/** A delivering app on the suite's database, sending to the test stack's Mailpit. */
const sender = (overrides: Record<string, string> = {}) =>
  startAuthServer({
    DATABASE_URL: db.url,
    DATABASE_REPLICA_URLS: '',
    ...mailEnv(undefined, { MAIL_MAX_ATTEMPTS: '3', ...overrides }),
  });

describe('mail bodies at rest', () => {
  it('hold no link while pending; are sent whole; an altered row or a plain old one is handled', async () => {
    const token = `live-${crypto.randomUUID()}`;
    const to = uniqueAddress('sealed');
    const id = await writer.deps.mail.enqueue(linkMail(to, token));
    const row = await rowOf(id);
    expect([row?.status, row?.body_sealed]).toEqual(['pending', true]);
    expect(await rowsHolding(token)).toBe(0);
    expect(await rowsHolding('Follow the link')).toBe(0);

    // someone with write access sends a pending reset mail to themselves instead
    const victim = uniqueAddress('victim');
    const thief = uniqueAddress('thief');
    const stolenToken = `stolen-${crypto.randomUUID()}`;
    const altered = await writer.deps.mail.enqueue(linkMail(victim, stolenToken));
    await db.query('UPDATE mail_outbox SET recipient = $2 WHERE id = $1', [altered, thief]);

    // a row written before sealing existed: plain bodies, body_sealed false, sent as it is
    const old = uniqueAddress('plain-old');
    const [legacy] = await db.query<{ id: string }>(
      `INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body, status, attempts,
         next_attempt_at, created_at)
       VALUES (gen_random_uuid(), $1, 'from before', 'plain text body', '<p>plain html body</p>',
         'pending', 0, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
       RETURNING id`,
      [old],
    );

    const delivering = await sender();
    try {
      const [summary] = await waitForMail(mailpit(), to);
      const message = await readMail(mailpit(), summary?.ID ?? '');
      expect(message.Text).toContain(`https://example.com/reset#token=${token}`);
      expect(message.HTML).toContain(`https://example.com/reset#token=${token}`);
      const [plain] = await waitForMail(mailpit(), old);
      expect((await readMail(mailpit(), plain?.ID ?? '')).Text).toContain('plain text body');
      await eventually(
        async () => (await rowOf(altered))?.status === 'failed',
        15_000,
        'the altered mail to be given up on',
      );
      const refused = await rowOf(altered);
      expect(refused?.last_error).toMatch(/does not open/);
      expect([refused?.text_body, refused?.html_body]).toEqual(['', '']);
      expect(await mailTo(mailpit(), thief)).toEqual([]);
      expect(await mailTo(mailpit(), victim)).toEqual([]);
      expect((await rowOf(legacy?.id ?? ''))?.status).toBe('sent');
      expect(delivering.logs.join('\n')).not.toContain(stolenToken);
    } finally {
      await delivering.close();
    }
  });

  it('written under another key, is given up on at once, not sent garbled', async () => {
    const to = uniqueAddress('rekeyed');
    const id = await writer.deps.mail.enqueue(linkMail(to, `t-${crypto.randomUUID()}`));
    const rekeyed = await sender({ MFA_ENCRYPTION_KEY: OTHER_KEY });
    try {
      await eventually(
        async () => (await rowOf(id))?.status === 'failed',
        15_000,
        'the mail to be given up on',
      );
      const row = await db.query<{ attempts: number }>(
        'SELECT attempts FROM mail_outbox WHERE id = $1',
        [id],
      );
      expect(row[0]?.attempts).toBe(1);
      expect(await mailTo(mailpit(), to)).toEqual([]);
      const line = rekeyed.logs.map((l) => JSON.parse(l)).find((l) => l.mailId === id);
      expect([line?.code, line?.permanent]).toEqual(['unsealable', true]);
    } finally {
      await rekeyed.close();
    }
  });
});
