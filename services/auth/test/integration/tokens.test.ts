import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  newUser,
  randomIp,
  startAuthServer,
  type TestAuthServer,
} from '../support/auth-server.js';
import { authSql } from '../support/sql.js';

let server: TestAuthServer;
let url: string;
beforeAll(async () => {
  server = await startAuthServer({ REFRESH_REUSE_GRACE_SECONDS: '2' });
  url = server.url;
});
afterAll(() => server.close());

/** Past the per-process state cache (STATE_CACHE_TTL_MS, 250 ms by default). */
const pastStateCache = () => sleep(300);

describe('POST /auth/token (OAuth 2.0, form-encoded)', () => {
  it('issues a token pair for the password grant, never cached', async () => {
    const user = await newUser(url);
    const res = await call(url, 'POST', '/auth/token', {
      form: { grant_type: 'password', username: user.email.toUpperCase(), password: user.password },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      user_id: user.id,
    });
    expect(decodeProtectedHeader(res.body.access_token)).toMatchObject({
      alg: 'EdDSA',
      typ: 'at+jwt',
      kid: expect.any(String),
    });
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({
      sub: user.id,
      email: user.email,
      role: 'user',
      aud: 'shardgate-api',
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
    expect(claims.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.jti).toBeTypeOf('string');
  });

  it('issues a new pair for the refresh_token grant', async () => {
    const user = await newUser(url);
    const res = await call(url, 'POST', '/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: user.refreshToken },
    });
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).not.toBe(user.refreshToken);
  });

  it.each([
    [
      'wrong password',
      { grant_type: 'password', username: 'EMAIL', password: 'not-the-password-1' },
      'invalid_grant',
    ],
    [
      'unknown user',
      { grant_type: 'password', username: 'nobody-here@example.com', password: 'whatever-pw-9' },
      'invalid_grant',
    ],
    [
      'spent refresh token',
      { grant_type: 'refresh_token', refresh_token: 'x'.repeat(43) },
      'invalid_grant',
    ],
    ['missing password', { grant_type: 'password', username: 'EMAIL' }, 'invalid_request'],
    ['missing grant_type', { username: 'EMAIL', password: 'x' }, 'invalid_request'],
    ['unknown grant', { grant_type: 'client_credentials' }, 'unsupported_grant_type'],
    [
      'authorization_code grant',
      { grant_type: 'authorization_code', code: 'x' },
      'unsupported_grant_type',
    ],
  ])('answers 400 %s with the RFC 6749 error shape', async (_case, form, error) => {
    const user = await newUser(url);
    const filled = Object.fromEntries(
      Object.entries(form).map(([k, v]) => [k, v === 'EMAIL' ? user.email : v]),
    );
    const res = await call(url, 'POST', '/auth/token', {
      form: filled,
      headers: { 'x-forwarded-for': randomIp() },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error, error_description: expect.any(String) });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses repeated parameters and non-form bodies as invalid_request', async () => {
    const repeated = await call(url, 'POST', '/auth/token', {
      raw: 'grant_type=password&grant_type=refresh_token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([repeated.status, repeated.body.error]).toEqual([400, 'invalid_request']);
    const json = await call(url, 'POST', '/auth/token', { json: { grant_type: 'password' } });
    expect([json.status, json.body.error]).toEqual([400, 'invalid_request']);
  });
});

describe('POST /auth/login', () => {
  it('answers the same 401 for an unknown email and a wrong password', async () => {
    const user = await newUser(url);
    const wrong = await call(url, 'POST', '/auth/login', {
      json: { email: user.email, password: 'definitely-wrong-1' },
    });
    const unknown = await call(url, 'POST', '/auth/login', {
      json: { email: `x${user.email}`, password: 'definitely-wrong-1' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.code).toBe('invalid_credentials');
  });

  it('upgrades a hash made at another bcrypt cost at the next login', async () => {
    const user = await newUser(url); // cost 4
    const stronger = await startAuthServer({ BCRYPT_COST: '5' });
    try {
      const res = await call(stronger.url, 'POST', '/auth/login', {
        json: { email: user.email, password: user.password },
      });
      expect(res.status).toBe(200);
      let hash = '';
      for (let i = 0; i < 50 && !hash.startsWith('$2b$05$'); i++) {
        await sleep(50);
        hash = (
          await authSql<{ password_hash: string }>(
            'SELECT password_hash FROM users WHERE id = $1',
            [Number(user.id)],
          )
        )[0]?.password_hash as string;
      }
      expect(hash).toMatch(/^\$2b\$05\$/);
      const again = await call(url, 'POST', '/auth/login', {
        json: { email: user.email, password: user.password },
      });
      expect(again.status).toBe(200);
    } finally {
      await stronger.close();
    }
  });
});

describe('POST /auth/refresh', () => {
  it('rotates: the new token works once, the old one is spent', async () => {
    const user = await newUser(url);
    const first = await call(url, 'POST', '/auth/refresh', {
      json: { refresh_token: user.refreshToken },
    });
    expect(first.status).toBe(200);
    expect(first.body.user_id).toBe(user.id);
    expect(decodeJwt(first.body.access_token).sid).toBe(decodeJwt(user.accessToken).sid);
    const second = await call(url, 'POST', '/auth/refresh', {
      json: { refresh_token: first.body.refresh_token },
    });
    expect(second.status).toBe(200);
    const rows = await authSql<{ spent: boolean }>(
      `SELECT spent_at IS NOT NULL AS spent FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id
        WHERE s.user_id = $1 ORDER BY r.created_at`,
      [Number(user.id)],
    );
    expect(rows.map((r) => r.spent)).toEqual([true, true, false]);
  });

  it('revokes the whole family when a spent token is reused after the grace window', async () => {
    const user = await newUser(url);
    const rotated = await call(url, 'POST', '/auth/refresh', {
      json: { refresh_token: user.refreshToken },
    });
    expect(rotated.status).toBe(200);
    await sleep(2_200); // past REFRESH_REUSE_GRACE_SECONDS=2
    const replay = await call(url, 'POST', '/auth/refresh', {
      json: { refresh_token: user.refreshToken },
    });
    expect([replay.status, replay.body.code]).toEqual([401, 'invalid_refresh_token']);
    // the family's newest token and its access tokens die with it, within a second
    expect(
      (
        await call(url, 'POST', '/auth/refresh', {
          json: { refresh_token: rotated.body.refresh_token },
        })
      ).status,
    ).toBe(401);
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 1_000) {
      status = (await call(url, 'GET', '/verify', { token: rotated.body.access_token })).status;
      if (status === 200) await sleep(20);
    }
    expect(status).toBe(401);
    expect((await call(url, 'GET', '/verify', { token: user.accessToken })).status).toBe(401);
    const [session] = await authSql<{ revoked_reason: string }>(
      'SELECT revoked_reason FROM sessions WHERE user_id = $1',
      [Number(user.id)],
    );
    expect(session?.revoked_reason).toBe('refresh_token_reuse');
  });

  it('answers 401 for garbage and 422 for a body of the wrong shape', async () => {
    for (const token of ['', 'short', 'x'.repeat(43), '💥'.repeat(20), 'a'.repeat(512)]) {
      const res = await call(url, 'POST', '/auth/refresh', { json: { refresh_token: token } });
      expect([res.status, res.body.code], token).toEqual([401, 'invalid_refresh_token']);
    }
    for (const body of [
      {},
      { refresh_token: 42 },
      { refresh_token: ['a'] },
      { refresh_token: 'x', extra: 1 },
      [],
      'x',
    ]) {
      const res = await call(url, 'POST', '/auth/refresh', { json: body });
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([422, 'validation_failed']);
    }
  });
});

describe('logout', () => {
  it('POST /auth/logout revokes this session only, at once', async () => {
    const user = await newUser(url);
    const other = await call(url, 'POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect((await call(url, 'POST', '/auth/logout', { token: user.accessToken })).status).toBe(204);
    await pastStateCache();
    const verify = await call(url, 'GET', '/verify', { token: user.accessToken });
    expect(verify.status).toBe(401);
    expect(verify.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(
      (await call(url, 'POST', '/auth/refresh', { json: { refresh_token: user.refreshToken } }))
        .status,
    ).toBe(401);
    expect((await call(url, 'GET', '/verify', { token: other.body.access_token })).status).toBe(
      200,
    );
    expect((await call(url, 'POST', '/auth/logout', { token: user.accessToken })).status).toBe(401);
    expect((await call(url, 'POST', '/auth/logout')).status).toBe(401);
  });

  it('POST /auth/logout-all revokes every session of the user', async () => {
    const user = await newUser(url);
    const other = await call(url, 'POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect((await call(url, 'POST', '/auth/logout-all', { token: user.accessToken })).status).toBe(
      204,
    );
    await pastStateCache();
    for (const token of [user.accessToken, other.body.access_token]) {
      expect((await call(url, 'GET', '/verify', { token })).status).toBe(401);
    }
    const fresh = await call(url, 'POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect((await call(url, 'GET', '/verify', { token: fresh.body.access_token })).status).toBe(
      200,
    );
    expect((await call(url, 'POST', '/auth/logout-all')).status).toBe(401);
  });
});

describe('/verify and POST /auth/verify', () => {
  it('answers 200 with the identity headers on every method and sub-path, with an empty body', async () => {
    const user = await newUser(url);
    const sid = decodeJwt(user.accessToken).sid;
    for (const [method, path] of [
      ['GET', '/verify'],
      ['POST', '/verify'],
      ['DELETE', '/verify/api/orders/7'],
      ['PUT', '/verify/x?y=1'],
      ['HEAD', '/verify'],
      ['OPTIONS', '/verify'],
    ] as const) {
      const res = await call(url, method, path, { token: user.accessToken });
      expect(res.status, `${method} ${path}`).toBe(200);
      expect(res.headers.get('x-user-id')).toBe(user.id);
      expect(res.headers.get('x-user-email')).toBe(user.email);
      expect(res.headers.get('x-user-role')).toBe('user');
      expect(res.headers.get('x-session-id')).toBe(sid);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(res.text).toBe('');
    }
  });

  it('ignores identity headers a client sends', async () => {
    const user = await newUser(url);
    const res = await call(url, 'GET', '/verify', {
      token: user.accessToken,
      headers: {
        'x-user-id': '1',
        'x-user-role': 'admin',
        'x-original-url': 'http://evil/',
        'x-forwarded-user': 'root',
      },
    });
    expect(res.headers.get('x-user-id')).toBe(user.id);
    expect(res.headers.get('x-user-role')).toBe('user');
  });

  it("POST /auth/verify answers the token's identity as JSON, or 401", async () => {
    const user = await newUser(url);
    const ok = await call(url, 'POST', '/auth/verify', { json: { token: user.accessToken } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      valid: true,
      user_id: user.id,
      email: user.email,
      role: 'user',
      session_id: decodeJwt(user.accessToken).sid,
      exp: decodeJwt(user.accessToken).exp,
    });
    expect(
      (await call(url, 'POST', '/auth/verify', { json: { access: user.accessToken } })).status,
    ).toBe(200);
    const bad = await call(url, 'POST', '/auth/verify', {
      json: { token: `${user.accessToken}x` },
    });
    expect([bad.status, bad.body.code]).toEqual([401, 'invalid_token']);
    const both = await call(url, 'POST', '/auth/verify', { json: { token: 'a', access: 'b' } });
    expect(both.status).toBe(422);
  });
});
