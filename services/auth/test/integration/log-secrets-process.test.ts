import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call, randomIp, testAuthEnv } from '../support/auth-server.js';
import { leaksIn, secretShapedIn } from '../support/log-leaks.js';
import { mailEnv } from '../support/mail-env.js';
import { type AuthProcess, eventually, startAuthProcess } from '../support/processes.js';
import { type Client, runSecretFlows, type SeenSecrets } from '../support/secret-flows.js';

/**
 * Issue 14, acceptance 5: secrets (passwords, access and refresh tokens, link tokens, MFA
 * challenges, TOTP seeds and codes, recovery codes) never reach the logs. A real auth process,
 * started from dist/ at LOG_LEVEL=trace and mailing through the stack's Mailpit, runs every
 * account flow; everything it writes to stdout and stderr is searched for every secret the client
 * saw. (tests/e2e/log-secrets.test.ts does the same through the gateway, on the stack's log files.)
 */

let auth: AuthProcess;
beforeAll(async () => {
  auth = await startAuthProcess(testAuthEnv({ LOG_LEVEL: 'trace', ...mailEnv() }));
});
afterAll(async () => {
  await auth?.stop();
});

describe('a real auth process at trace level', () => {
  it('logs none of the secrets of the account flows', async () => {
    const ip = randomIp();
    const client: Client = (method, path, request = {}) =>
      call(auth.url, method, path, {
        ...request,
        headers: { 'x-forwarded-for': ip, ...request.headers },
      });
    const seen = await runSecretFlows(client, inject('stack').mailpitUrl);

    // planted: request ids shaped like a token and like a code, which the service logs as given;
    // once they show, the lines before them are written too
    const planted: SeenSecrets = {
      values: new Map([[randomBytes(32).toString('base64url'), 'planted token']]),
      codes: new Set([String(randomInt(100_000, 1_000_000))]),
    };
    for (const id of [...planted.values.keys(), ...planted.codes])
      await call(auth.url, 'GET', '/auth/me', { headers: { 'x-request-id': id } });
    await eventually(
      async () => leaksIn(auth.output(), planted, { codes: true }).length === 2,
      5_000,
      'the planted request ids in the output',
    );

    const logs = auth.output();
    // it did log the flows: a line per request, and what MFA changed
    for (const route of [
      '/auth/password/reset/confirm',
      '/auth/mfa/totp/confirm',
      '/auth/login/mfa',
    ])
      expect(logs, route).toContain(`"route":"${route}"`);
    expect(logs).toContain('"msg":"mfa enabled"');
    expect(leaksIn(logs, seen, { codes: true })).toEqual([]);
    expect(secretShapedIn(logs)).toEqual([]);
  });
});
