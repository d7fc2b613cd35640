import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallResult,
  call,
  randomIp,
  STRONG_PASSWORD,
  type TestAuthServer,
} from '../support/auth-server.js';
import { uniqueAddress } from '../support/mail-env.js';
import { type MailSuite, startMailSuite } from '../support/mail-suite.js';
import { mailTo, type PrivateMailpit, readMail, waitForMail } from '../support/mailpit.js';
import { eventually } from '../support/processes.js';
import type { ScratchAuthDatabase } from '../support/scratch-auth-database.js';

/**
 * Issue 14, acceptance 5: with the SMTP server down, the requests that mail (registration, a new
 * verification link, a reset request, a reset's notice) still succeed at once; the mail goes out
 * when the server is back, each exactly once. mail-outage.test.ts proves the outbox itself; this
 * drives it through the HTTP requests. First the server hangs (it accepts connections and never
 * answers, the worst case for a request that would wait on it), later it refuses them. A database
 * of its own makes this app's loop the only sender; a Mailpit of its own is stopped and started.
 */

/** Accepts SMTP connections on `port` and never says a word: a hung mail server. */
async function silentServer(port: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A password the policy accepts, for the reset. */
const NEW_PASSWORD = 'meadow-cobalt-lantern-57-fjord';
/** How long the mail server may keep the app waiting: connection, greeting, each reply. */
const SMTP_TIMEOUT_MS = 30_000;
/**
 * How long a mailing request may take: far below the SMTP timeout, so that a request waiting on
 * the mail server could not pass, and far above what a busy machine needs for one request.
 */
const PROMPT_MS = 10_000;

let db: ScratchAuthDatabase;
let mailpit: PrivateMailpit;
let server: TestAuthServer;
let suite: MailSuite | undefined;
beforeAll(async () => {
  suite = await startMailSuite({
    mail: {
      MAIL_MAX_ATTEMPTS: '100',
      MAIL_SEND_TIMEOUT_MS: String(SMTP_TIMEOUT_MS),
    },
  });
  ({ db, mailpit, server } = suite);
});
afterAll(() => suite?.close());

/** Runs `request`, expects `status` within {@link PROMPT_MS}; answers the result. */
async function prompt(what: string, status: number, request: () => Promise<CallResult>) {
  const started = performance.now();
  const res = await request();
  const ms = performance.now() - started;
  expect(res.status, `${what}: ${res.text}`).toBe(status);
  expect(ms, `${what} took ${Math.round(ms)} ms`).toBeLessThan(PROMPT_MS);
  return res;
}

/** The outbox rows to `address`: subject, status and attempts, oldest first. */
const outbox = (address: string) =>
  db.query<{ subject: string; status: string; attempts: number }>(
    'SELECT subject, status, attempts FROM mail_outbox WHERE recipient = $1 ORDER BY created_at',
    [address],
  );

/** The subjects of the mail Mailpit received for `address`, sorted. */
const received = async (address: string) =>
  (await mailTo(mailpit.url, address)).map((m) => m.Subject).sort();

describe('the requests that mail, while the SMTP server is down', () => {
  it('answer at once, and every mail arrives exactly once when the server is back', async () => {
    // the server hangs: connections open, no greeting
    const hung = await silentServer(mailpit.smtpPort);
    const email = uniqueAddress('outage');
    const ip = randomIp();
    await prompt('register', 201, () =>
      call(server.url, 'POST', '/auth/register', {
        json: { email, password: STRONG_PASSWORD, name: 'Outage' },
        headers: { 'x-forwarded-for': ip },
      }),
    );
    const login = await call(server.url, 'POST', '/auth/login', {
      json: { email, password: STRONG_PASSWORD },
      headers: { 'x-forwarded-for': ip },
    });
    const accessToken: string = login.body.access_token;
    await prompt('a new verification link', 202, () =>
      call(server.url, 'POST', '/auth/email/verification', { token: accessToken }),
    );
    await prompt('a reset request', 202, () =>
      call(server.url, 'POST', '/auth/password/reset', {
        json: { email },
        headers: { 'x-forwarded-for': randomIp() },
      }),
    );
    await server.deps.passwordReset.settle();
    // all three wait in the outbox; the loop is trying, and failing, to send them
    await eventually(
      async () => (await db.query('SELECT 1 FROM mail_outbox WHERE attempts > 0')).length > 0,
      15_000,
      'a delivery attempt on the hung server',
    );
    const waiting = await outbox(email);
    expect(waiting.map((r) => [r.subject, r.status])).toEqual([
      ['Confirm your email address', 'pending'],
      ['Confirm your email address', 'pending'],
      ['Reset your password', 'pending'],
    ]);

    // the server comes back
    await hung.close();
    await mailpit.start();
    await waitForMail(mailpit.url, email, 3);
    await eventually(
      async () => (await outbox(email)).every((r) => r.status === 'sent'),
      30_000,
      'the three mails recorded as sent',
    );
    expect(await received(email)).toEqual([
      'Confirm your email address',
      'Confirm your email address',
      'Reset your password',
    ]);

    // down again, refusing connections this time: the reset itself still succeeds at once
    const [resetMail] = (await mailTo(mailpit.url, email)).filter(
      (m) => m.Subject === 'Reset your password',
    );
    const link = await readMail(mailpit.url, resetMail?.ID ?? '');
    const token = /#token=([A-Za-z0-9_-]{43})/.exec(link.Text)?.[1];
    await mailpit.stop();
    await prompt('the reset', 204, () =>
      call(server.url, 'POST', '/auth/password/reset/confirm', {
        json: { token, password: NEW_PASSWORD },
      }),
    );
    await prompt('a login with the new password', 200, () =>
      call(server.url, 'POST', '/auth/login', {
        json: { email, password: NEW_PASSWORD },
        headers: { 'x-forwarded-for': randomIp() },
      }),
    );
    await eventually(
      async () => (await outbox(email)).some((r) => r.status === 'pending' && r.attempts >= 2),
      15_000,
      'the notice tried and refused twice',
    );

    await mailpit.start();
    await waitForMail(mailpit.url, email, 4);
    await eventually(
      async () => (await outbox(email)).every((r) => r.status === 'sent'),
      30_000,
      'the notice recorded as sent',
    );
    // nothing lost, nothing twice
    expect(await received(email)).toEqual([
      'Confirm your email address',
      'Confirm your email address',
      'Reset your password',
      'Your password was changed',
    ]);
    expect(await outbox(email)).toHaveLength(4);
  });
});
