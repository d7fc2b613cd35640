import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkTokenMailedTo } from '../../services/auth/test/support/mail-links.js';
import { waitForMail } from '../../services/auth/test/support/mailpit.js';
import { msUntil } from '../e2e/support/polling.js';
import { clusterGateway } from './support/cluster-gateway.js';
import { type PortForward, portForward } from './support/port-forward.js';

/**
 * Mail in the cluster: the auth pods deliver over SMTP to the dev environment's Mailpit
 * (`k8s/dev/mailpit.k8s.yaml`), which requires STARTTLS with a certificate of the dev CA and SMTP
 * authentication, exactly as the pods' production-mode settings expect of a relay. The inbox is
 * read through a port-forward of Mailpit's HTTP port, the one way to it (no pod is admitted).
 */
const { send, accounts, info } = clusterGateway();
const NEW_PASSWORD = 'lantern-quartz-meadow-61-harbor';
/** A cold auth pod's first delivery opens the SMTP connection and the TLS session. */
const MAIL_WAIT_MS = 60_000;

let inbox: PortForward;
let smtp: PortForward;
const mailpit = () => inbox.url;

beforeAll(async () => {
  inbox = await portForward(info.kubectl, info.kubeconfig, info.namespace, 'mailpit', 8025);
  smtp = await portForward(info.kubectl, info.kubeconfig, info.namespace, 'mailpit', 1025);
});
afterAll(async () => {
  await inbox?.close();
  await smtp?.close();
});

/**
 * Speaks SMTP to Mailpit in plain text: the greeting, then each command in turn, collecting the
 * first reply line of each (multi-line EHLO replies are read to their last line).
 */
async function plainSmtp(port: number, commands: readonly string[]): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffer = '';
  const waiters: ((line: string) => void)[] = [];
  const replies: string[] = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (;;) {
      const end = buffer.indexOf('\r\n');
      if (end < 0) break;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      // `250-...` continues a reply; `250 ...` ends it
      if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) waiters.shift()?.(line);
    }
  });
  const reply = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no SMTP reply within 10 s')), 10_000);
      waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  try {
    replies.push(await reply());
    for (const command of commands) {
      const next = reply();
      socket.write(`${command}\r\n`);
      replies.push(await next);
    }
    return replies;
  } finally {
    socket.destroy();
  }
}

describe('mail from the auth pods through the dev Mailpit', () => {
  it('refuses plain SMTP: a sender must use STARTTLS first', async () => {
    const [greeting, ehlo, mailFrom] = await plainSmtp(smtp.port, [
      'EHLO cluster-test',
      'MAIL FROM:<intruder@example.com>',
      'QUIT',
    ]);
    expect(greeting).toMatch(/^220 /);
    expect(ehlo).toMatch(/^250 /);
    expect(mailFrom).toMatch(/^530 /);
  });

  it('register → verification mail (over STARTTLS, authenticated) → verify → the address is verified', async () => {
    const account = await accounts.register();
    const { token, text } = await linkTokenMailedTo(mailpit(), account.email, 1);
    // the link points at the environment's public issuer (AUTH_ISSUER of k8s/dev)
    expect(text).toContain('http://127.0.0.1:8080/verify-email#token=');
    expect((await send('POST', '/auth/email/verify', { json: { token } })).status).toBe(204);
    const tokens = await accounts.jsonLogin(account);
    const me = await send('GET', '/auth/me', { token: tokens.accessToken });
    expect(me.body).toMatchObject({ email: account.email, emailVerified: true });
  }, 120_000);

  it('reset request → mail → reset → the old session refused at the gateway within 1 s → notice mail', async () => {
    const user = await accounts.newUser();
    await waitForMail(mailpit(), user.email, 1, MAIL_WAIT_MS); // the verification mail
    const apiMe = () => send('GET', '/api/me', { token: user.accessToken });
    expect((await apiMe()).status).toBe(200);
    const asked = await send('POST', '/auth/password/reset', { json: { email: user.email } });
    expect(asked.status).toBe(202);
    const { token } = await linkTokenMailedTo(mailpit(), user.email, 2);
    const done = await send('POST', '/auth/password/reset/confirm', {
      json: { token, password: NEW_PASSWORD },
    });
    const resetAt = performance.now();
    expect(done.status).toBe(204);
    const ms = await msUntil(resetAt, async () => (await apiMe()).status === 401, {
      what: 'the old session refused at /api',
    });
    expect(ms).toBeLessThan(1000);
    expect((await accounts.jsonLogin(user, NEW_PASSWORD)).accessToken).toBeTruthy();
    const mails = await waitForMail(mailpit(), user.email, 3, MAIL_WAIT_MS);
    expect(mails.map((m) => m.Subject)).toContain('Your password was changed');
  }, 180_000);
});
