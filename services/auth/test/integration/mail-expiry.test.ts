import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noticeMail } from '../../src/mail/templates/notice-mail.js';
import type { TestAuthServer } from '../support/auth-server.js';
import { uniqueAddress } from '../support/mail-env.js';
import { type MailSuite, startMailSuite } from '../support/mail-suite.js';
import { mailTo, type PrivateMailpit, waitForMail } from '../support/mailpit.js';
import { eventually } from '../support/processes.js';
import type { ScratchAuthDatabase } from '../support/scratch-auth-database.js';

/**
 * A mail that expires with its link is never sent after that, however long the SMTP server was
 * away. A database and a Mailpit of the suite's own: its loop is the only sender, and it stops
 * the Mailpit.
 */

interface ExpiryRow {
  status: string;
  last_error: string | null;
  kind: string | null;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
  expires_at: Date | null;
  expired_at: Date | null;
  next_attempt_at: Date;
}

let db: ScratchAuthDatabase;
let mailpit: PrivateMailpit;
let mailpitUp = false;
let server: TestAuthServer;
let suite: MailSuite | undefined;
beforeAll(async () => {
  // retries an hour apart: only a retry held to the expiry can mark the mail within the test
  suite = await startMailSuite({
    mail: {
      MAIL_MAX_ATTEMPTS: '100',
      MAIL_RETRY_BASE_MS: '3600000',
      MAIL_RETRY_MAX_MS: '3600000',
    },
  });
  ({ db, mailpit, server } = suite);
});
afterAll(() => suite?.close());

/** Starts the suite's Mailpit unless it runs already. */
async function smtpBack(): Promise<void> {
  if (!mailpitUp) await mailpit.start();
  mailpitUp = true;
}

const rowOf = async (id: string) =>
  (await db.query<ExpiryRow>('SELECT * FROM mail_outbox WHERE id = $1', [id]))[0];

/** The value of a metric without labels in the app's registry. */
async function metric(name: string): Promise<number> {
  const found = (await server.deps.metrics.registry.getMetricsAsJSON()).find(
    (m) => m.name === name,
  );
  return Number(found?.values[0]?.value ?? Number.NaN);
}

describe('a mail that expires while the SMTP server is away', () => {
  it('is marked expired at its expiry, its bodies blanked, and never sent once the server is back', async () => {
    // the Mailpit is not started yet: every connection is refused
    const to = uniqueAddress('expiring');
    const token = `live-token-${crypto.randomUUID()}`;
    const expiresAt = new Date(Date.now() + 2_000);
    const id = await server.deps.mail.enqueue({
      to,
      kind: 'reset_password',
      expiresAt,
      ...noticeMail({
        subject: 'Reset your password',
        paragraphs: ['a link'],
        action: { label: 'Reset', url: `https://example.com/reset#token=${token}` },
      }),
    });
    // tried at once and refused: its next attempt is held to its expiry, not an hour away
    await eventually(
      async () => (await rowOf(id))?.last_error != null,
      10_000,
      'the first attempt to fail',
    );
    const waiting = await rowOf(id);
    expect(waiting?.status).toBe('pending');
    expect(waiting?.next_attempt_at.getTime()).toBe(waiting?.expires_at?.getTime());
    await eventually(
      async () => (await rowOf(id))?.status === 'expired',
      15_000,
      'the mail to be marked expired',
    );
    const row = await rowOf(id);
    expect(row?.expired_at).toBeInstanceOf(Date);
    expect([row?.text_body, row?.html_body]).toEqual(['', '']);
    expect([row?.kind, row?.recipient, row?.subject]).toEqual([
      'reset_password',
      to,
      'Reset your password',
    ]);
    const [withToken] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mail_outbox WHERE mail_outbox::text LIKE $1',
      [`%${token}%`],
    );
    expect(withToken?.n).toBe(0);
    expect(await metric('auth_mail_expired_total')).toBe(1);
    expect(
      server.logs.some((l) => l.includes(id) && l.includes('mail expired before it could be sent')),
    ).toBe(true);

    // the server comes back: a new mail goes out, the expired one never does
    await smtpBack();
    const later = uniqueAddress('after-expiry');
    await server.deps.mail.enqueue({
      to: later,
      ...noticeMail({ subject: 'new', paragraphs: [] }),
    });
    await waitForMail(mailpit.url, later);
    expect(await mailTo(mailpit.url, to)).toEqual([]);
    expect((await rowOf(id))?.status).toBe('expired');
  });

  it('a mail without an expiry, or one ahead, is sent as before', async () => {
    await smtpBack();
    const never = uniqueAddress('no-expiry');
    const ahead = uniqueAddress('expiry-ahead');
    const ids = [
      await server.deps.mail.enqueue({
        to: never,
        ...noticeMail({ subject: 'a', paragraphs: [] }),
      }),
      await server.deps.mail.enqueue({
        to: ahead,
        kind: 'verify_email',
        expiresAt: new Date(Date.now() + 3_600_000),
        ...noticeMail({ subject: 'b', paragraphs: [] }),
      }),
    ];
    await waitForMail(mailpit.url, never);
    await waitForMail(mailpit.url, ahead);
    await eventually(
      async () => (await Promise.all(ids.map(rowOf))).every((r) => r?.status === 'sent'),
      10_000,
      'both to be recorded as sent',
    );
    expect((await rowOf(ids[0] as string))?.kind).toBe('notice');
    expect((await rowOf(ids[1] as string))?.kind).toBe('verify_email');
  });
});
