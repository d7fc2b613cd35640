import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { noticeMail } from '../../src/mail/templates/notice-mail.js';
import {
  call,
  randomIp,
  STRONG_PASSWORD,
  startAuthServer,
  type TestAuthServer,
  testAuthEnv,
} from '../support/auth-server.js';
import { mailEnv, uniqueAddress } from '../support/mail-env.js';
import { mailTo, waitForMail } from '../support/mailpit.js';
import { type AuthProcess, eventually, startAuthProcess } from '../support/processes.js';
import {
  createScratchAuthDatabase,
  type ScratchAuthDatabase,
} from '../support/scratch-auth-database.js';
import { type SilentTcpServer, startSilentTcpServer } from '../support/silent-tcp-server.js';

/**
 * A stopping auth process and the mail it was about to send, against real servers: a TCP server
 * that accepts and never answers (an SMTP server hung before its greeting) and the test stack's
 * Mailpit. The suite's own database, so that its processes are the only senders.
 */

interface OutboxRow {
  id: string;
  status: string;
  attempts: number;
  last_error: string | null;
  due_now: boolean;
}

let db: ScratchAuthDatabase;
let silent: SilentTcpServer;
const mailpit = () => inject('stack').mailpitUrl;
beforeAll(async () => {
  db = await createScratchAuthDatabase();
  silent = await startSilentTcpServer();
});
afterAll(async () => {
  await silent?.close();
  await db?.drop();
});

/** The mail to `to`, with whether it is due now. */
const mailRowTo = async (to: string) =>
  (
    await db.query<OutboxRow>(
      `SELECT id, status, attempts, last_error,
         next_attempt_at <= now() AT TIME ZONE 'UTC' AS due_now
       FROM mail_outbox WHERE recipient = $1`,
      [to],
    )
  )[0];

/** Registers `email` on `url`: its verification mail goes into the outbox. */
async function register(url: string, email: string): Promise<void> {
  const res = await call(url, 'POST', '/auth/register', {
    json: { email, password: STRONG_PASSWORD },
    headers: { 'x-forwarded-for': randomIp() },
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${res.text}`);
}

/** SIGTERM; the exit code and how long the exit took, or a failure past `limitMs`. */
async function stopWithin(
  process: AuthProcess,
  limitMs: number,
): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      process.child.kill('SIGKILL');
      reject(new Error(`still running ${limitMs} ms after SIGTERM:\n${process.output()}`));
    }, limitMs);
  });
  try {
    const code = await Promise.race([process.stop(), late]);
    return { code, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** A process of the suite's database, sending to the test stack's Mailpit: the one left running. */
const survivor = (): Promise<TestAuthServer> =>
  startAuthServer({ DATABASE_URL: db.url, DATABASE_REPLICA_URLS: '', ...mailEnv() });

describe('on SIGTERM, the delivery loop', () => {
  it('abandons a send hung on a silent server within MAIL_SHUTDOWN_TIMEOUT_MS and releases its mail, which another process sends once', async () => {
    // every SMTP wait far longer than the shutdown may take: only abandoning ends the send
    const hung = await startAuthProcess(
      testAuthEnv({
        DATABASE_URL: db.url,
        DATABASE_REPLICA_URLS: '',
        ...mailEnv(silent.port, {
          SMTP_CONNECTION_TIMEOUT_MS: '60000',
          SMTP_GREETING_TIMEOUT_MS: '60000',
          SMTP_SOCKET_TIMEOUT_MS: '60000',
          MAIL_SEND_TIMEOUT_MS: '60000',
          MAIL_SHUTDOWN_TIMEOUT_MS: '1000',
          SHUTDOWN_TIMEOUT_MS: '2000',
        }),
      }),
    );
    const to = uniqueAddress('in-flight');
    let stopped = false;
    try {
      const acceptedBefore = silent.accepted();
      await register(hung.url, to);
      // claimed, and its send waiting on the silent server
      await eventually(
        async () => silent.accepted() > acceptedBefore && (await mailRowTo(to))?.attempts === 1,
        10_000,
        'the send to hang on the silent server',
      );
      const { code, ms } = await stopWithin(hung, 10_000);
      stopped = true;
      console.log(`[mail shutdown] exited ${ms} ms after SIGTERM with a send in flight`);
      expect(code).toBe(0);
      // drain 100 ms, then the send's second of grace: nowhere near the send's own 60 s
      expect(ms).toBeLessThan(4_000);
      const released = await mailRowTo(to);
      expect(released).toMatchObject({
        status: 'pending',
        attempts: 1,
        last_error: 'released at shutdown',
        due_now: true,
      });
      const lines = hung
        .output()
        .split('\n')
        .filter((l) => l.includes(released?.id ?? '-'));
      expect(lines.some((l) => l.includes('mail released at shutdown for another process'))).toBe(
        true,
      );
    } finally {
      if (!stopped) hung.child.kill('SIGKILL');
    }

    // not lost: the next process sends it, once, at once (no lease to wait out)
    const next = await survivor();
    try {
      await waitForMail(mailpit(), to, 1, 10_000);
      await eventually(
        async () => (await mailRowTo(to))?.status === 'sent',
        10_000,
        'the mail to be recorded as sent',
      );
      expect((await mailRowTo(to))?.attempts).toBe(2);
      expect(await mailTo(mailpit(), to)).toHaveLength(1);
    } finally {
      await next.close();
    }
  });

  it('claims no mail once the signal came, while requests still drain', async () => {
    const draining = await startAuthProcess(
      testAuthEnv({
        DATABASE_URL: db.url,
        DATABASE_REPLICA_URLS: '',
        SHUTDOWN_DRAIN_DELAY_MS: '3000',
        ...mailEnv(undefined, { MAIL_POLL_INTERVAL_MS: '50' }),
      }),
    );
    const warm = uniqueAddress('before-signal');
    await register(draining.url, warm);
    await waitForMail(mailpit(), warm); // its loop sends while it runs
    const exited = draining.stop();
    await eventually(
      async () => (await fetch(`${draining.url}/readyz`)).status === 503,
      5_000,
      'the process to begin its drain',
    );
    // still serving through the drain delay: the mail of this registration stays for others
    const to = uniqueAddress('during-drain');
    await register(draining.url, to);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await mailRowTo(to)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await exited).toBe(0);
    expect(await mailTo(mailpit(), to)).toEqual([]);

    const next = await survivor();
    try {
      await waitForMail(mailpit(), to, 1, 10_000);
    } finally {
      await next.close();
    }
  });
});

describe('the SMTP timeouts', () => {
  it('bound each wait of a send: a server silent past SMTP_GREETING_TIMEOUT_MS fails the attempt', async () => {
    const server = await startAuthServer({
      DATABASE_URL: db.url,
      DATABASE_REPLICA_URLS: '',
      ...mailEnv(silent.port, {
        SMTP_GREETING_TIMEOUT_MS: '300',
        MAIL_SEND_TIMEOUT_MS: '60000',
        MAIL_RETRY_BASE_MS: '60000',
        MAIL_RETRY_MAX_MS: '60000',
      }),
    });
    try {
      const to = uniqueAddress('greeting-timeout');
      const started = Date.now();
      await server.deps.mail.enqueue({ to, ...noticeMail({ subject: 'never', paragraphs: [] }) });
      await eventually(
        async () => ((await mailRowTo(to))?.last_error ?? '') !== '',
        5_000,
        'the attempt to fail',
      );
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await mailRowTo(to))?.last_error).toMatch(/greeting/i);
    } finally {
      await server.close();
    }
  });
});
