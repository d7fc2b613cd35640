import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  newUser,
  startAuthServer,
  type TestAuthServer,
  testAuthEnv,
} from '../support/auth-server.js';
import { type AuthProcess, startAuthProcess } from '../support/processes.js';

let a: AuthProcess;
let b: AuthProcess;
let admin: TestAuthServer;
beforeAll(async () => {
  [a, b] = await Promise.all([startAuthProcess(testAuthEnv()), startAuthProcess(testAuthEnv())]);
  admin = await startAuthServer();
});
afterAll(async () => {
  await admin?.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

/** Calls /verify on `url` until it answers `status`; returns the milliseconds that took. */
async function msUntilVerifyAnswers(
  url: string,
  token: string,
  status: number,
  since: number,
): Promise<number> {
  for (;;) {
    const res = await call(url, 'GET', '/verify', { token });
    if (res.status === status) return Date.now() - since;
    if (Date.now() - since > 5_000) throw new Error(`still ${res.status} after 5 s`);
    await sleep(10);
  }
}

describe('two auth processes sharing Redis and Postgres', () => {
  it('enforce a logout made on one at the other within one second', async () => {
    const user = await newUser(a.url);
    // warm the second process's caches, so that it would keep answering 200 if nothing reached it
    for (let i = 0; i < 3; i++)
      expect((await call(b.url, 'GET', '/verify', { token: user.accessToken })).status).toBe(200);

    const started = Date.now();
    expect((await call(a.url, 'POST', '/auth/logout', { token: user.accessToken })).status).toBe(
      204,
    );
    const elapsed = await msUntilVerifyAnswers(b.url, user.accessToken, 401, started);
    console.log(`[two processes] logout on A enforced by /verify on B after ${elapsed} ms`);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('enforce a deactivation made through one at the other within one second', async () => {
    const boss = await newUser(admin.url);
    await admin.deps.accounts.administer(Number(boss.id), { role: 'admin' });
    const bossOnA = await call(a.url, 'POST', '/auth/login', {
      json: { email: boss.email, password: boss.password },
    });
    const user = await newUser(b.url);
    for (let i = 0; i < 3; i++)
      expect((await call(b.url, 'GET', '/verify', { token: user.accessToken })).status).toBe(200);

    const started = Date.now();
    const res = await call(a.url, 'PATCH', `/auth/users/${user.id}`, {
      token: bossOnA.body.access_token,
      json: { active: false },
    });
    expect(res.status).toBe(200);
    const elapsed = await msUntilVerifyAnswers(b.url, user.accessToken, 403, started);
    console.log(`[two processes] deactivation via A enforced by /verify on B after ${elapsed} ms`);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('stop gracefully on SIGTERM', async () => {
    const extra = await startAuthProcess(testAuthEnv());
    expect(await extra.stop()).toBe(0);
    expect(extra.output()).toContain('"msg":"stopped"');
  });
});
