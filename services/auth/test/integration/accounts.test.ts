import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  newUser,
  randomIp,
  STRONG_PASSWORD,
  startAuthServer,
  type TestAuthServer,
} from '../support/auth-server.js';
import { authSql } from '../support/sql.js';

let server: TestAuthServer;
let url: string;
beforeAll(async () => {
  server = await startAuthServer();
  url = server.url;
});
afterAll(() => server.close());

const uniqueEmail = () => `acct-${Math.random().toString(36).slice(2)}@Example.COM`;
const register = (json: unknown, ip = randomIp()) =>
  call(url, 'POST', '/auth/register', { json, headers: { 'x-forwarded-for': ip } });

describe('POST /auth/register', () => {
  it('creates an account with a normalised email and answers 201 without the hash', async () => {
    const email = uniqueEmail();
    const res = await register({ email: `  ${email} `, password: STRONG_PASSWORD, name: 'Zoë 🐙' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      email: email.toLowerCase(),
      name: 'Zoë 🐙',
      role: 'user',
      active: true,
      emailVerified: false,
      createdAt: expect.any(String),
    });
    expect(res.text).not.toContain('$2');
    const [row] = await authSql<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE id = $1',
      [Number(res.body.id)],
    );
    expect(row?.password_hash).toMatch(/^\$2[aby]\$04\$/);
  });

  it('answers 409 email_taken for the same email in another case', async () => {
    const email = uniqueEmail();
    expect((await register({ email, password: STRONG_PASSWORD })).status).toBe(201);
    const again = await register({ email: email.toUpperCase(), password: STRONG_PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      status: 409,
      code: 'email_taken',
      type: expect.stringContaining('email_taken'),
    });
    expect(again.headers.get('content-type')).toContain('application/problem+json');
  });

  it.each([
    ['missing email', { password: STRONG_PASSWORD }, 'email'],
    ['malformed email', { email: 'not-an-email', password: STRONG_PASSWORD }, 'email'],
    ['non-ASCII email', { email: 'zoë@exämple.com', password: STRONG_PASSWORD }, 'email'],
    ['number as password', { email: 'x@example.com', password: 12345678901 }, 'password'],
    ['unknown field', { email: 'x@example.com', password: STRONG_PASSWORD, admin: true }, '(body)'],
    ['empty name', { email: 'x@example.com', password: STRONG_PASSWORD, name: '   ' }, 'name'],
  ])('answers 422 validation_failed for %s', async (_case, json, field) => {
    const res = await register(json);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it.each([
    ['NUL in name', 'a\u0000b'],
    ['lone surrogate in name', 'a\ud800b'],
  ])('answers 400 invalid_text for %s (no text column can store it)', async (_case, name) => {
    const res = await register({ email: 'x@example.com', password: STRONG_PASSWORD, name });
    expect([res.status, res.body.code, res.body.detail]).toEqual([
      400,
      'invalid_text',
      expect.stringContaining('name'),
    ]);
  });

  it.each([
    ['too short', 'Ab1-xyz', 'too_short'],
    ['over 72 bytes (never truncated)', `${'é'.repeat(36)}x`, 'too_long_bytes'],
    ['a common password', 'password123', 'too_weak'],
    ['the email itself', 'EMAIL_AS_PASSWORD', 'too_weak'],
  ])('answers 422 weak_password with a reason for %s', async (_case, password, reason) => {
    const email = uniqueEmail();
    const res = await register({
      email,
      password: password === 'EMAIL_AS_PASSWORD' ? email.toLowerCase() : password,
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('weak_password');
    expect(res.body.errors).toEqual([
      expect.objectContaining({ field: 'password', code: reason, message: expect.any(String) }),
    ]);
    const rows = await authSql('SELECT 1 FROM users WHERE email = $1', [email.toLowerCase()]);
    expect(rows).toEqual([]);
  });

  it('accepts a 72-byte password and a long passphrase', async () => {
    const res = await register({
      email: uniqueEmail(),
      password: `${'ü'.repeat(28)}-otter-lantern-7`,
    });
    expect(res.status, res.text).toBe(201);
  });

  it('answers 400 invalid_json, 415 and 413 for malformed bodies, and writes nothing', async () => {
    const badJson = await call(url, 'POST', '/auth/register', {
      raw: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    expect([badJson.status, badJson.body.code]).toEqual([400, 'invalid_json']);
    const badUtf8 = await call(url, 'POST', '/auth/register', {
      raw: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      headers: { 'content-type': 'application/json' },
    });
    expect([badUtf8.status, badUtf8.body.code]).toEqual([400, 'invalid_json']);
    const form = await call(url, 'POST', '/auth/register', {
      form: { email: 'a@b.co', password: STRONG_PASSWORD },
    });
    expect([form.status, form.body.code]).toEqual([415, 'unsupported_media_type']);
    const huge = await call(url, 'POST', '/auth/register', {
      raw: JSON.stringify({ email: 'huge@example.com', password: 'x'.repeat(1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect([huge.status, huge.body.code]).toEqual([413, 'payload_too_large']);
    expect(await authSql('SELECT 1 FROM users WHERE email = $1', ['huge@example.com'])).toEqual([]);
  });

  it('answers 429 with Retry-After once an IP passes the registration limit', async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push(
        (await register({ email: uniqueEmail(), password: STRONG_PASSWORD }, ip)).status,
      );
    expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
    const blocked = await register({ email: uniqueEmail(), password: STRONG_PASSWORD }, ip);
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await register({ email: uniqueEmail(), password: STRONG_PASSWORD })).status).toBe(201);
  });
});

describe('GET and PATCH /auth/me', () => {
  it('returns and updates the caller, and needs a token', async () => {
    const user = await newUser(url, 'Before');
    const me = await call(url, 'GET', '/auth/me', { token: user.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: user.id, email: user.email, name: 'Before' });
    expect(me.headers.get('cache-control')).toBe('no-store');

    const renamed = await call(url, 'PATCH', '/auth/me', {
      token: user.accessToken,
      json: { name: '  After  ' },
    });
    expect([renamed.status, renamed.body.name]).toEqual([200, 'After']);
    const cleared = await call(url, 'PATCH', '/auth/me', {
      token: user.accessToken,
      json: { name: null },
    });
    expect([cleared.status, cleared.body.name]).toEqual([200, null]);

    const invalid = await call(url, 'PATCH', '/auth/me', {
      token: user.accessToken,
      json: { name: 42 },
    });
    expect([invalid.status, invalid.body.code]).toEqual([422, 'validation_failed']);
    const extra = await call(url, 'PATCH', '/auth/me', {
      token: user.accessToken,
      json: { name: 'x', role: 'admin' },
    });
    expect(extra.status).toBe(422);
    expect((await call(url, 'GET', '/auth/me', { token: user.accessToken })).body.role).toBe(
      'user',
    );

    for (const method of ['GET', 'PATCH']) {
      const anonymous = await call(
        url,
        method,
        '/auth/me',
        method === 'GET' ? {} : { json: { name: 'x' } },
      );
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(anonymous.headers.get('cache-control')).toBe('no-store');
      expect(anonymous.body.code).toBe('invalid_token');
    }
  });
});

describe('POST /auth/password', () => {
  it('changes the password, keeps this session and revokes the others', async () => {
    const user = await newUser(url);
    const other = await call(url, 'POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    const newPassword = 'velvet-harbor-quartz-91-meadow';

    const wrong = await call(url, 'POST', '/auth/password', {
      token: user.accessToken,
      json: { current_password: 'not-my-password-at-all', new_password: newPassword },
    });
    expect([wrong.status, wrong.body.code]).toEqual([403, 'wrong_password']);
    const weak = await call(url, 'POST', '/auth/password', {
      token: user.accessToken,
      json: { current_password: user.password, new_password: 'password1' },
    });
    expect([weak.status, weak.body.code]).toEqual([422, 'weak_password']);
    const missing = await call(url, 'POST', '/auth/password', {
      token: user.accessToken,
      json: { current_password: user.password },
    });
    expect([missing.status, missing.body.code]).toEqual([422, 'validation_failed']);
    expect((await call(url, 'POST', '/auth/password', { json: {} })).status).toBe(401);

    const changed = await call(url, 'POST', '/auth/password', {
      token: user.accessToken,
      json: { current_password: user.password, new_password: newPassword },
    });
    expect(changed.status).toBe(204);

    await new Promise((r) => setTimeout(r, 300)); // past the per-process state cache
    expect((await call(url, 'GET', '/verify', { token: user.accessToken })).status).toBe(200);
    expect((await call(url, 'GET', '/verify', { token: other.body.access_token })).status).toBe(
      401,
    );
    expect(
      (
        await call(url, 'POST', '/auth/refresh', {
          json: { refresh_token: other.body.refresh_token },
        })
      ).status,
    ).toBe(401);
    const oldLogin = await call(url, 'POST', '/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect(oldLogin.status).toBe(401);
    const newLogin = await call(url, 'POST', '/auth/login', {
      json: { email: user.email, password: newPassword },
    });
    expect(newLogin.status).toBe(200);
  });
});

describe('GET and PATCH /auth/users/:id', () => {
  it('lets an admin read, deactivate and promote users; deactivation blocks /verify at once', async () => {
    const admin = await newUser(url, 'Admin');
    await server.deps.accounts.administer(Number(admin.id), { role: 'admin' });
    const target = await newUser(url, 'Target');

    const shown = await call(url, 'GET', `/auth/users/${target.id}`, { token: admin.accessToken });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      id: target.id,
      email: target.email,
      active: true,
      role: 'user',
    });

    expect((await call(url, 'GET', '/verify', { token: target.accessToken })).status).toBe(200);
    const deactivated = await call(url, 'PATCH', `/auth/users/${target.id}`, {
      token: admin.accessToken,
      json: { active: false },
    });
    expect([deactivated.status, deactivated.body.active]).toEqual([200, false]);
    await new Promise((r) => setTimeout(r, 300));
    const verify = await call(url, 'GET', '/verify', { token: target.accessToken });
    expect([verify.status, verify.body.code]).toEqual([403, 'user_inactive']);
    expect(
      (
        await call(url, 'POST', '/auth/login', {
          json: { email: target.email, password: target.password },
        })
      ).status,
    ).toBe(401);
    expect(
      (await call(url, 'POST', '/auth/refresh', { json: { refresh_token: target.refreshToken } }))
        .status,
    ).toBe(401);

    const reactivated = await call(url, 'PATCH', `/auth/users/${target.id}`, {
      token: admin.accessToken,
      json: { active: true, role: 'admin' },
    });
    expect(reactivated.body).toMatchObject({ active: true, role: 'admin' });
  });

  it('answers 403 to non-admins, 404 for unknown ids, 401 without a token, 422 for bad bodies', async () => {
    const admin = await newUser(url);
    await server.deps.accounts.administer(Number(admin.id), { role: 'admin' });
    const user = await newUser(url);
    const forbidden = await call(url, 'GET', `/auth/users/${admin.id}`, {
      token: user.accessToken,
    });
    expect([forbidden.status, forbidden.body.code]).toEqual([403, 'forbidden']);
    expect(
      (
        await call(url, 'PATCH', `/auth/users/${admin.id}`, {
          token: user.accessToken,
          json: { active: false },
        })
      ).status,
    ).toBe(403);
    for (const id of ['2147483647', '99999999999999999999', 'abc', '-1', '1.5', '0x10']) {
      const res = await call(url, 'GET', `/auth/users/${id}`, { token: admin.accessToken });
      expect([res.status, res.body.code], id).toEqual([404, 'not_found']);
    }
    expect((await call(url, 'GET', `/auth/users/${user.id}`)).status).toBe(401);
    const empty = await call(url, 'PATCH', `/auth/users/${user.id}`, {
      token: admin.accessToken,
      json: {},
    });
    expect([empty.status, empty.body.code]).toEqual([422, 'validation_failed']);
    const badRole = await call(url, 'PATCH', `/auth/users/${user.id}`, {
      token: admin.accessToken,
      json: { role: 'root' },
    });
    expect(badRole.status).toBe(422);
  });
});

describe('discovery, health and unknown routes', () => {
  it('publishes the JWKS and OpenID configuration', async () => {
    const jwks = await call(url, 'GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys.length).toBeGreaterThan(0);
    for (const key of jwks.body.keys) {
      expect(key).toMatchObject({
        kty: 'OKP',
        crv: 'Ed25519',
        alg: 'EdDSA',
        use: 'sig',
        kid: expect.any(String),
      });
      expect(key.d).toBeUndefined();
    }
    const discovery = await call(url, 'GET', '/.well-known/openid-configuration');
    expect(discovery.body).toMatchObject({
      issuer: expect.stringMatching(/^http/),
      jwks_uri: expect.stringMatching(/\/\.well-known\/jwks\.json$/),
      token_endpoint: expect.stringMatching(/\/auth\/token$/),
      id_token_signing_alg_values_supported: ['EdDSA'],
    });
    const openapi = await call(url, 'GET', '/auth/openapi.json');
    expect([openapi.status, openapi.body.openapi]).toEqual([200, '3.1.0']);
  });

  it('answers liveness, readiness, 404 and 405 in problem+json', async () => {
    expect((await call(url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await call(url, 'GET', '/readyz')).body).toEqual({ status: 'ready' });
    const missing = await call(url, 'GET', '/auth/nothing');
    expect([missing.status, missing.body.code]).toEqual([404, 'not_found']);
    const wrongMethod = await call(url, 'DELETE', '/auth/me');
    expect([wrongMethod.status, wrongMethod.body.code]).toEqual([405, 'method_not_allowed']);
    expect(wrongMethod.headers.get('allow')).toContain('GET');
  });
});
