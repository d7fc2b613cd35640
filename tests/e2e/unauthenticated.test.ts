import { beforeAll, describe, expect, it } from 'vitest';
import { SessionForgery } from './support/forged-tokens.js';
import { type GatewayResponse, IDENTITY_HEADERS, send } from './support/gateway-client.js';
import { newUser, type User } from './support/users.js';

/**
 * What a refused client gets from the gateway (ingress-contract.md §3): 401, the challenge copied
 * from `/verify`, and nginx's own body; never `/verify`'s problem+json, never identity headers,
 * never anything from the API.
 */
function expectRefused(res: GatewayResponse, what: string): void {
  expect(res.status, what).toBe(401);
  expect(res.headers['www-authenticate'], what).toBe('Bearer error="invalid_token"');
  expect(res.headers['content-type'], what).toBe('text/html');
  expect(res.text, what).toContain('401 Authorization Required');
  expect(res.text, what).not.toContain('shardgate.dev/problems');
  expect(res.text, what).not.toContain('invalid_token');
  for (const header of IDENTITY_HEADERS)
    expect(res.headers[header], `${what}: ${header}`).toBeUndefined();
  expect(res.headers['x-shard'], what).toBeUndefined();
}

/** The requests every refused token is tried on. */
const PROTECTED: ReadonlyArray<readonly [string, string]> = [
  ['GET', '/api/me'],
  ['GET', '/api/orders'],
  ['POST', '/api/orders'],
  ['DELETE', '/api/nothing-here'],
];

describe('requests without a valid bearer token get 401 with WWW-Authenticate at the gateway', () => {
  let user: User;
  const authorizations: Array<[string, () => Promise<string | undefined>]> = [
    ['no Authorization header', async () => undefined],
    ['an empty Authorization header', async () => ''],
    ['Bearer with nothing after it', async () => 'Bearer '],
    ['a garbage bearer token', async () => 'Bearer not-a-jwt'],
    ['a truncated real token', async () => `Bearer ${user.accessToken.slice(0, -10)}`],
    [
      'a real token with its signature altered',
      async () => {
        const [header, payload, signature = ''] = user.accessToken.split('.');
        const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
        return `Bearer ${header}.${payload}.${flipped}`;
      },
    ],
    [
      'Basic credentials of a real user',
      async () => `Basic ${Buffer.from(`${user.email}:${user.password}`).toString('base64')}`,
    ],
    ['the access token under another scheme', async () => `Token ${user.accessToken}`],
    ['the refresh token as a bearer token', async () => `Bearer ${user.refreshToken}`],
  ];

  beforeAll(async () => {
    user = await newUser();
  });

  it('a real token works (each case below differs from it in one thing, or is no token at all)', async () => {
    const me = await send('GET', '/api/me', { token: user.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.userId).toBe(user.id);
  });

  it.each(authorizations)('%s', async (what, authorization) => {
    const value = await authorization();
    const headers: Record<string, string> = value === undefined ? {} : { authorization: value };
    for (const [method, path] of PROTECTED) {
      expectRefused(await send(method, path, { headers }), `${what}: ${method} ${path}`);
    }
  });

  it('nothing of /verify is reachable from outside the gateway', async () => {
    for (const path of ['/verify', '/verify/api/me', '/_external-auth', '/auth/../verify']) {
      const res = await send('GET', path, { token: user.accessToken });
      expect(res.status, path).toBe(404);
      for (const header of IDENTITY_HEADERS)
        expect(res.headers[header], `${path}: ${header}`).toBeUndefined();
    }
  });

  it('an allowed request carries no identity header back to the client', async () => {
    const me = await send('GET', '/api/me', { token: user.accessToken });
    expect(me.status).toBe(200);
    for (const header of IDENTITY_HEADERS) expect(me.headers[header], header).toBeUndefined();
  });
});

describe('tokens forged for a real, live session: refused for the one thing that is wrong', () => {
  let user: User;
  let forgery: SessionForgery;

  beforeAll(async () => {
    user = await newUser();
    forgery = new SessionForgery(user.accessToken);
  });

  /** The session is live and the construction right: the unbroken forgery passes the gateway. */
  async function expectControlPasses(what: string): Promise<void> {
    const me = await send('GET', '/api/me', { token: forgery.valid() });
    expect(me.status, what).toBe(200);
    expect(me.body.userId, what).toBe(user.id);
  }

  it('control: the same construction, unexpired and signed with the real key, gets 200', async () => {
    // the forgeries carry the real session, and are signed under the key the real token names
    expect(forgery.sessionClaims).toMatchObject({ sub: user.id, email: user.email, role: 'user' });
    expect(forgery.sessionClaims.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(forgery.kid).toBe(forgery.realKid);
    await expectControlPasses('the control token');
    const orders = await send('GET', '/api/orders', { token: forgery.valid() });
    expect(orders.status).toBe(200);
  });

  it.each([
    ['expired two minutes ago, otherwise the control', () => forgery.expired()],
    [
      'signed by a key not in the JWKS (under the real kid), otherwise the control',
      () => forgery.foreignKey(),
    ],
  ])('%s: 401', async (what, token: () => string) => {
    for (const [method, path] of PROTECTED) {
      expectRefused(await send(method, path, { token: token() }), `${what}: ${method} ${path}`);
    }
    // the refusals were not because the session had died meanwhile
    await expectControlPasses(`the control after "${what}"`);
  });
});
