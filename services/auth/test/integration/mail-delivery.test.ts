import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InvalidMailError } from '../../src/domain/mail-outbox.js';
import { noticeMail } from '../../src/mail/templates/notice-mail.js';
import { startAuthServer, type TestAuthServer } from '../support/auth-server.js';
import { mailEnv, uniqueAddress } from '../support/mail-env.js';
import { mailTo, readMail, waitForMail } from '../support/mailpit.js';
import { authSql } from '../support/sql.js';

/**
 * The outbox against the test stack: its database and its Mailpit. The stack's own auth process
 * delivers from the same table, as another pod would; whichever process sends a mail, it must
 * arrive once, whole and escaped.
 */

const HOSTILE = `<script>alert("pwned")</script> & <img src=x onerror=alert(1)>`;

let server: TestAuthServer;
let mailpit: string;
beforeAll(async () => {
  mailpit = inject('stack').mailpitUrl;
  server = await startAuthServer(mailEnv());
});
afterAll(() => server.close());

interface OutboxRow {
  status: string;
  attempts: number;
  text_body: string;
  html_body: string;
  sent_at: Date | null;
}

const outboxRow = async (id: string) =>
  (await authSql<OutboxRow>('SELECT * FROM mail_outbox WHERE id = $1', [id]))[0];

describe('a mail enqueued in the outbox', () => {
  it('arrives once, with its text part as written and every value escaped in its HTML part', async () => {
    const to = uniqueAddress('escape');
    const secret = `secret-${crypto.randomUUID()}`;
    const id = await server.deps.mail.enqueue({
      to,
      ...noticeMail({
        subject: 'Hello <there> & "you"',
        name: HOSTILE,
        paragraphs: ['Plain words.', HOSTILE],
        action: { label: 'Open "it"', url: `https://example.com/open?token=${secret}&x=<1>` },
      }),
    });

    const [summary] = await waitForMail(mailpit, to);
    const message = await readMail(mailpit, summary?.ID ?? '');
    expect(message.Subject).toBe('Hello <there> & "you"');
    // sent by this app or by the stack's auth process, each with its own MAIL_FROM
    expect(['no-reply@shardgate.test', 'no-reply@shardgate.local']).toContain(message.From.Address);
    expect(message.MessageID).toBe(`${id}@${message.From.Address.split('@')[1]}`);
    expect(message.Text).toContain(`Hello ${HOSTILE},`);
    expect(message.Text).toContain(`Open "it": https://example.com/open?token=${secret}&x=%3C1%3E`);
    expect(message.HTML).not.toContain('<script>');
    expect(message.HTML).not.toContain('<img');
    expect(message.HTML).toContain('Hello &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(message.HTML).toContain('&amp; &lt;img src=x onerror=alert(1)&gt;');
    expect(message.HTML).toContain(`href="https://example.com/open?token=${secret}&amp;x=%3C1%3E"`);

    // recorded as sent, its bodies (which will carry tokens) gone; and it stays one mail
    const row = await outboxRow(id);
    expect([row?.status, row?.text_body, row?.html_body]).toEqual(['sent', '', '']);
    expect(row?.sent_at).toBeInstanceOf(Date);
    expect(await mailTo(mailpit, to)).toHaveLength(1);
  });

  it('inside a transaction exists only if the transaction commits', async () => {
    const kept = uniqueAddress('committed');
    const dropped = uniqueAddress('rolled-back');
    const content = noticeMail({ subject: 'Transactional', paragraphs: ['p'] });
    const failure = new Error('the feature failed after enqueueing');
    let droppedId = '';
    await expect(
      server.deps.db.transaction('test.rolledBack', async (tx) => {
        droppedId = await server.deps.mail.enqueue({ to: dropped, ...content }, tx);
        throw failure;
      }),
    ).rejects.toBe(failure);
    const keptId = await server.deps.db.transaction('test.committed', (tx) =>
      server.deps.mail.enqueue({ to: kept, ...content }, tx),
    );
    server.deps.mail.deliverSoon();

    await waitForMail(mailpit, kept);
    expect((await outboxRow(keptId))?.status).toBe('sent');
    expect(droppedId).not.toBe('');
    expect(await outboxRow(droppedId)).toBeUndefined();
    expect(await mailTo(mailpit, dropped)).toEqual([]);
  });

  it('is refused when it could never be sent as one mail to one address, and nothing is written', async () => {
    const before = await authSql<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox');
    const content = noticeMail({ subject: 's', paragraphs: ['p'] });
    for (const to of [
      'a@example.com\r\nBcc: b@example.com',
      'a@example.com, b@example.com',
      'Ann <a@example.com>',
      'no-at-sign',
      `${'a'.repeat(250)}@example.com`,
    ]) {
      await expect(server.deps.mail.enqueue({ to, ...content })).rejects.toBeInstanceOf(
        InvalidMailError,
      );
    }
    await expect(
      server.deps.mail.enqueue({ to: uniqueAddress('blank'), ...content, subject: ' \r\n ' }),
    ).rejects.toBeInstanceOf(InvalidMailError);
    const after = await authSql<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox');
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  it('has its subject folded onto one line', async () => {
    const to = uniqueAddress('folded');
    await server.deps.mail.enqueue({
      to,
      ...noticeMail({ subject: 'One\r\nBcc: victim@example.com', paragraphs: ['p'] }),
    });
    const [summary] = await waitForMail(mailpit, to);
    const message = await readMail(mailpit, summary?.ID ?? '');
    expect(message.Subject).toBe('One Bcc: victim@example.com');
    expect(message.To.map((t) => t.Address)).toEqual([to]);
    expect(await mailTo(mailpit, 'victim@example.com')).toEqual([]);
  });
});
