import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noticeMail } from '../../src/mail/templates/notice-mail.js';
import { startAuthServer, type TestAuthServer } from '../support/auth-server.js';
import { mailEnv } from '../support/mail-env.js';
import { listMail, PrivateMailpit } from '../support/mailpit.js';
import { eventually } from '../support/processes.js';
import {
  createScratchAuthDatabase,
  type ScratchAuthDatabase,
} from '../support/scratch-auth-database.js';
import { type SlowTcpProxy, startSlowTcpProxy } from '../support/slow-tcp-proxy.js';

/**
 * Two delivery loops (two auth apps, as two pods) on one outbox of their own, sending through a
 * proxy that delays each SMTP reply: a send takes a few hundred milliseconds, as across a network,
 * so that one loop looks for due mail while the other is still sending (without the claim's lease
 * the second would take the mail in flight, and it would arrive twice).
 */

const MAILS = 30;
const REPLY_DELAY_MS = 30;

let db: ScratchAuthDatabase;
let mailpit: PrivateMailpit;
let slowSmtp: SlowTcpProxy;
let servers: TestAuthServer[] = [];
beforeAll(async () => {
  db = await createScratchAuthDatabase();
  mailpit = await PrivateMailpit.create();
  await mailpit.start();
  slowSmtp = await startSlowTcpProxy(mailpit.smtpPort, REPLY_DELAY_MS);
  // small batches: each loop goes back to the table often, so the two meet on every mail
  const env = { DATABASE_URL: db.url, DATABASE_REPLICA_URLS: '' };
  servers = await Promise.all(
    [0, 1].map(() =>
      startAuthServer({ ...env, ...mailEnv(slowSmtp.port, { MAIL_BATCH_SIZE: '2' }) }),
    ),
  );
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await slowSmtp?.close();
  await mailpit?.dispose();
  await db?.drop();
});

describe('two delivery loops on one outbox', () => {
  it('deliver each mail exactly once', async () => {
    const [first] = servers;
    if (!first) throw new Error('no server');
    const run = crypto.randomUUID();
    const addresses = Array.from({ length: MAILS }, (_, i) => `m${i}-${run}@example.com`);
    // one transaction: every mail becomes due at the same moment, for both loops at their next look
    const ids = await first.deps.db.transaction('test.enqueueMany', async (tx) => {
      const out: string[] = [];
      for (const to of addresses)
        out.push(
          await first.deps.mail.enqueue({ to, ...noticeMail({ subject: to, paragraphs: [] }) }, tx),
        );
      return out;
    });

    await eventually(
      async () =>
        (await db.query("SELECT id FROM mail_outbox WHERE status = 'sent'")).length === MAILS,
      60_000,
      `all ${MAILS} mails to be sent`,
    );
    const inbox = await listMail(mailpit.url);
    const received = inbox.flatMap((m) => m.To.map((t) => t.Address)).sort();
    expect(received).toEqual([...addresses].sort());

    // each id logged as sent by exactly one of the two, and each of them sent some
    const sentBy = servers.map(
      (s) =>
        new Set(
          s.logs
            .map((l) => JSON.parse(l) as { msg: string; mailId?: string })
            .filter((l) => l.msg === 'mail sent')
            .map((l) => l.mailId),
        ),
    );
    for (const id of ids) expect(sentBy.filter((set) => set.has(id))).toHaveLength(1);
    expect(sentBy.map((set) => set.size > 0)).toEqual([true, true]);
    const rows = await db.query<{ attempts: number }>('SELECT attempts FROM mail_outbox');
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
  });
});
