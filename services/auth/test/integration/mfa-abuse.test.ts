import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, startAuthServer, type TestAuthServer } from '../support/auth-server.js';
import { enrol, mfaToken, newMfaUser, secondStep } from '../support/mfa-flows.js';

let server: TestAuthServer;
let url: string;
beforeAll(async () => {
  server = await startAuthServer();
  url = server.url;
});
afterAll(() => server.close());

describe('guessing MFA codes', () => {
  it('kills a challenge after 5 codes, and answers 429 with Retry-After past 10 wrong codes per user', async () => {
    const user = await newMfaUser(url);
    const first = await mfaToken(url, user);
    for (let i = 0; i < 5; i++) {
      const res = await secondStep(url, { mfa_token: first, code: user.authenticator.wrong(i) });
      expect([res.status, res.body.code], `guess ${i}`).toEqual([401, 'invalid_mfa_code']);
    }
    // out of attempts: even the right code is refused, and not spent
    const dead = await secondStep(url, { mfa_token: first, code: user.authenticator.next() });
    expect([dead.status, dead.body.code]).toEqual([401, 'invalid_mfa_token']);
    const second = await mfaToken(url, user);
    for (let i = 5; i < 10; i++) {
      const res = await secondStep(url, {
        mfa_token: second,
        recovery_code: `AAAA-BBBB-CCCC-DDD${'EFGHIJKLMN'[i]}`,
      });
      expect(res.status, `guess ${i}`).toBe(401);
    }
    const third = await mfaToken(url, user);
    const blocked = await secondStep(url, { mfa_token: third, code: user.authenticator.last() });
    expect([blocked.status, blocked.body.code]).toEqual([429, 'rate_limited']);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // the same per-user count guards turning MFA off
    const off = await call(url, 'DELETE', '/auth/mfa/totp', {
      token: user.accessToken,
      json: { recovery_code: user.recoveryCodes[0] },
    });
    expect([off.status, off.body.code]).toEqual([429, 'rate_limited']);
    expect(Number(off.headers.get('retry-after'))).toBeGreaterThan(0);
    // a 429 did not cost the challenge an attempt: it still answers, with 429 until the window frees
    expect((await secondStep(url, { mfa_token: third, code: '000000' })).status).toBe(429);
  });

  it('counts guesses sent in parallel each, over many challenges', async () => {
    const limited = await startAuthServer({ MFA_FAILURES_PER_USER: '4' });
    try {
      const user = await newMfaUser(limited.url);
      const tokens = await Promise.all([0, 1, 2].map(() => mfaToken(limited.url, user)));
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          secondStep(limited.url, {
            mfa_token: tokens[i % 3],
            code: user.authenticator.wrong(i),
          }),
        ),
      );
      const statuses = answers.map((a) => a.status).sort();
      // four guesses were checked, whatever the timing; every other one was refused unchecked
      expect(statuses.filter((s) => s === 401)).toHaveLength(4);
      expect(statuses.filter((s) => s === 429)).toHaveLength(8);
    } finally {
      await limited.close();
    }
  });

  it('counts wrong confirmation codes too', async () => {
    const limited = await startAuthServer({ MFA_FAILURES_PER_USER: '3' });
    try {
      const user = await newUser(limited.url);
      expect((await enrol(limited.url, user)).status).toBe(200);
      const confirm = (code: string) =>
        call(limited.url, 'POST', '/auth/mfa/totp/confirm', {
          token: user.accessToken,
          json: { code },
        });
      // a wrong code could be right by chance (10^-6 per try): these are fixed and few
      const statuses = [];
      for (const code of ['000001', '999998', '424243'])
        statuses.push((await confirm(code)).status);
      expect(statuses.every((s) => s === 403)).toBe(true);
      const blocked = await confirm('000002');
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('hostile input on the MFA endpoints', () => {
  const HUGE = '9'.repeat(70_000);
  const CODES: unknown[] = [
    123456,
    '12345',
    '1234567',
    'abcdef',
    '１２３４５６',
    '12345\u0000',
    '\u0000'.repeat(6),
    ' 123456',
    null,
    true,
    ['123456'],
    { code: '123456' },
    'x'.repeat(10_000),
    'AAAA-BBBB-CCCC-DDD1\u0000',
  ];

  it('answers 4xx, never 5xx, to every malformed body', async () => {
    const user = await newMfaUser(url);
    const other = await newUser(url);
    const token = await mfaToken(url, user);
    const bodies = (build: (code: unknown) => unknown) => [
      ...CODES.map(build),
      {},
      [],
      'text',
      null,
      { code: '123456', recovery_code: 'AAAA-BBBB-CCCC-DDDD' },
      { code: '123456', extra: 1 },
    ];
    const cases: [string, string, string | undefined, unknown][] = [
      ...bodies((code) => ({ mfa_token: token, code })).map(
        (b) => ['POST', '/auth/login/mfa', undefined, b] as [string, string, undefined, unknown],
      ),
      ...bodies((code) => ({ mfa_token: token, recovery_code: code })).map(
        (b) => ['POST', '/auth/login/mfa', undefined, b] as [string, string, undefined, unknown],
      ),
      ...[123, null, 'short', '\u0000'.repeat(43), 'é'.repeat(43), HUGE.slice(0, 600)].map(
        (t) =>
          ['POST', '/auth/login/mfa', undefined, { mfa_token: t, code: '123456' }] as [
            string,
            string,
            undefined,
            unknown,
          ],
      ),
      ...bodies((code) => ({ code })).map(
        (b) =>
          ['POST', '/auth/mfa/totp/confirm', other.accessToken, b] as [
            string,
            string,
            string,
            unknown,
          ],
      ),
      ...bodies((code) => ({ code })).map(
        (b) =>
          ['DELETE', '/auth/mfa/totp', user.accessToken, b] as [string, string, string, unknown],
      ),
      // an enrolment's password: malformed ones are refused before anything is checked or counted
      ...[
        {},
        [],
        'text',
        null,
        { current_password: 123 },
        { current_password: null },
        { current_password: '' },
        { current_password: ['x'] },
        { current_password: 'a\u0000b' },
        { current_password: 'x'.repeat(1025) },
        { current_password: other.password, extra: 1 },
        { password: other.password },
      ].map(
        (b) =>
          ['POST', '/auth/mfa/totp', other.accessToken, b] as [string, string, string, unknown],
      ),
    ];
    for (const [method, path, bearer, json] of cases) {
      const res = await call(url, method, path, { json, ...(bearer ? { token: bearer } : {}) });
      const label = `${method} ${path} ${JSON.stringify(json).slice(0, 80)}`;
      expect(res.status, label).toBeGreaterThanOrEqual(400);
      expect(res.status, label).toBeLessThan(500);
      expect(res.status, label).not.toBe(429);
    }
    // raw bodies: huge, not JSON, wrong type, NUL in the JSON text
    for (const path of ['/auth/login/mfa', '/auth/mfa/totp/confirm', '/auth/mfa/totp']) {
      for (const raw of [HUGE, '{"code":', '\u0000', `{"code":"${HUGE}"}`]) {
        const res = await call(url, 'POST', path, {
          raw,
          token: other.accessToken,
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status, `${path} ${raw.slice(0, 10)}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${path} ${raw.slice(0, 10)}`).toBeLessThan(500);
      }
      const form = await call(url, 'POST', path, {
        form: { code: '123456' },
        token: other.accessToken,
      });
      expect(form.status).toBe(415);
    }
    // without a token the signed-in endpoints answer 401
    for (const [method, path] of [
      ['POST', '/auth/mfa/totp'],
      ['POST', '/auth/mfa/totp/confirm'],
      ['DELETE', '/auth/mfa/totp'],
      ['DELETE', `/auth/users/${user.id}/mfa`],
    ] as const) {
      expect((await call(url, method, path, { json: { code: '123456' } })).status).toBe(401);
    }
    // none of this was a wrong code or password: the challenge and the counters are intact
    const ok = await secondStep(url, { mfa_token: token, code: user.authenticator.next() });
    expect(ok.status).toBe(200);
    expect((await enrol(url, other)).status).toBe(200);
  });
});
