import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tokens, tokensOf, type User } from '../e2e/support/accounts.js';
import { IDENTITY_HEADERS } from '../e2e/support/gateway-client.js';
import { msUntil } from '../e2e/support/polling.js';
import {
  clusterGateway,
  type DeployedAuthSettings,
  deployedAuthSettings,
  expectTraefikDenial,
  promoteToAdmin,
} from './support/cluster-gateway.js';

/**
 * The flows of the e2e suite (tests/e2e/main-flows, refresh, revocation, unauthenticated), through
 * Traefik in the cluster, against the deployed services. Where the local gateway (an nginx
 * rendered like ingress-nginx) answers a denial with its own HTML page, Traefik relays `/verify`'s
 * problem+json: `expectTraefikDenial` asserts that side precisely.
 */
const { send, kube, accounts } = clusterGateway();

/** Design §4: a revocation reaches the gateway's `/verify` in at most one second. */
const REVOCATION_BOUND_MS = 1000;

const ORDER = {
  items: [
    { sku: 'CLUSTER-LAMP', quantity: 2, unitPriceCents: 1250 },
    { sku: 'CLUSTER-BULB', quantity: 3, unitPriceCents: 199 },
  ],
  currency: 'EUR',
};

const apiMe = (token: string) => send('GET', '/api/me', { token });
const refreshJson = (refreshToken: string) =>
  send('POST', '/auth/refresh', { json: { refresh_token: refreshToken } });
const refreshForm = (refreshToken: string) =>
  send('POST', '/auth/token', {
    form: { grant_type: 'refresh_token', refresh_token: refreshToken },
  });

/** Milliseconds from `since` until `/api/me` with `token` answers `status`. */
function msUntilStatus(since: number, token: string, status: number, what: string) {
  return msUntil(since, async () => (await apiMe(token)).status === status, {
    what,
    timeoutMs: 10_000,
  });
}

let settings: DeployedAuthSettings;
beforeAll(async () => {
  settings = await deployedAuthSettings(kube);
});

// Concurrent: the reuse-after-grace test waits out the grace (~11 s) while the others run.
describe.concurrent('through Traefik', () => {
  it('register → password grant → /api: profile, orders with an idempotency key, isolation between users', async () => {
    const account = await accounts.register();
    expect(account.id).toMatch(/^\d+$/);
    const token = await send('POST', '/auth/token', {
      form: { grant_type: 'password', username: account.email, password: account.password },
    });
    expect(token.status).toBe(200);
    expect(token.headers['cache-control']).toBe('no-store');
    expect(token.body).toMatchObject({ token_type: 'Bearer', user_id: account.id });
    const accessToken: string = token.body.access_token;

    const me = await apiMe(accessToken);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: account.id, email: account.email });
    expect(me.headers['x-shard']).toBe(Number(account.id) % 2 === 0 ? 'shard0' : 'shard1');
    for (const header of IDENTITY_HEADERS) expect(me.headers[header], header).toBeUndefined();

    const key = randomUUID();
    const placed = await send('POST', '/api/orders', {
      token: accessToken,
      json: ORDER,
      headers: { 'idempotency-key': key },
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ userId: account.id, status: 'pending', totalCents: 3097 });
    expect(placed.headers.location).toBe(`/api/orders/${placed.body.id}`);
    const replayed = await send('POST', '/api/orders', {
      token: accessToken,
      json: ORDER,
      headers: { 'idempotency-key': key },
    });
    expect(replayed.status).toBe(201);
    expect(replayed.body.id).toBe(placed.body.id);

    const listed = await send('GET', '/api/orders', { token: accessToken });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((o: { id: string }) => o.id)).toEqual([placed.body.id]);
    const shown = await send('GET', `/api/orders/${placed.body.id}`, { token: accessToken });
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(placed.body);

    const other = await accounts.newUser();
    expect(
      (await send('GET', `/api/orders/${placed.body.id}`, { token: other.accessToken })).status,
    ).toBe(404);
    const otherList = await send('GET', '/api/orders', { token: other.accessToken });
    expect(otherList.status).toBe(200);
    expect(otherList.body.items).toEqual([]);
  });

  it('JSON login (/auth/login): a second session the API accepts too; a wrong password is 401', async () => {
    const account = await accounts.register();
    const wrong = await send('POST', '/auth/login', {
      json: { email: account.email, password: `${account.password}-not` },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'invalid_credentials' });
    const tokens = await accounts.jsonLogin(account);
    const viaForm = await accounts.tokenGrant(account);
    expect(viaForm.refreshToken).not.toBe(tokens.refreshToken);
    for (const t of [tokens, viaForm]) {
      const me = await apiMe(t.accessToken);
      expect(me.status).toBe(200);
      expect(me.body.userId).toBe(account.id);
    }
  });

  it('refresh rotates on every use (JSON and the OAuth2 grant); every new access token works', async () => {
    const user = await accounts.newUser();
    const second = tokensOf(await refreshJson(user.refreshToken));
    expect(second.refreshToken).not.toBe(user.refreshToken);
    const third = tokensOf(await refreshForm(second.refreshToken));
    expect(third.refreshToken).not.toBe(second.refreshToken);
    for (const tokens of [user, second, third]) {
      const me = await apiMe(tokens.accessToken);
      expect(me.status).toBe(200);
      expect(me.body.userId).toBe(user.id);
    }
  });

  it('a retry of the latest rotation within the grace gets a pair; the pair it replaces is refused at /api within 1 s', async () => {
    expect(settings.REFRESH_REUSE_GRACE_SECONDS).toBeGreaterThan(1);
    const user = await accounts.newUser();
    const lost = tokensOf(await refreshJson(user.refreshToken));
    const retried = tokensOf(await refreshJson(user.refreshToken));
    const replacedAt = performance.now();
    expect(retried.refreshToken).not.toBe(lost.refreshToken);
    expect((await apiMe(retried.accessToken)).status).toBe(200);
    const ms = await msUntilStatus(replacedAt, lost.accessToken, 401, 'the replaced token refused');
    expect(ms).toBeLessThan(REVOCATION_BOUND_MS);
  });

  it('a refresh token two generations old, within the grace, revokes the family at /api within 1 s', async () => {
    const user = await accounts.newUser();
    const second = tokensOf(await refreshJson(user.refreshToken));
    const third = tokensOf(await refreshJson(second.refreshToken));
    const reuse = await refreshJson(user.refreshToken);
    const revokedAt = performance.now();
    expect(reuse.status).toBe(401);
    const ms = await msUntilStatus(revokedAt, third.accessToken, 401, 'the family token refused');
    expect(ms).toBeLessThan(REVOCATION_BOUND_MS);
  });

  it('a spent refresh token reused after the grace revokes the family: its access token is refused at /api within 1 s', async () => {
    const user = await accounts.newUser();
    const live: Tokens = tokensOf(await refreshJson(user.refreshToken));
    expect((await apiMe(live.accessToken)).status).toBe(200);

    await sleep(settings.REFRESH_REUSE_GRACE_SECONDS * 1000 + 500);
    const reuse = await refreshJson(user.refreshToken);
    const revokedAt = performance.now();
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ code: 'invalid_refresh_token' });
    const ms = await msUntilStatus(revokedAt, live.accessToken, 401, 'the family token refused');
    expect(ms).toBeLessThan(REVOCATION_BOUND_MS);
    expectTraefikDenial(await apiMe(live.accessToken), 401);
    const dead = await refreshForm(live.refreshToken);
    expect(dead.status).toBe(400);
    expect(dead.body).toMatchObject({ error: 'invalid_grant' });
  }, 60_000);

  it('logout revokes that session only, at the gateway within 1 s', async () => {
    const user = await accounts.newUser();
    const other = await accounts.jsonLogin(user);
    expect((await apiMe(user.accessToken)).status).toBe(200);
    const logout = await send('POST', '/auth/logout', { token: user.accessToken });
    const at = performance.now();
    expect(logout.status).toBe(204);
    const ms = await msUntilStatus(at, user.accessToken, 401, 'the logged-out token refused');
    expect(ms).toBeLessThan(REVOCATION_BOUND_MS);
    expectTraefikDenial(await apiMe(user.accessToken), 401);
    expectTraefikDenial(await send('GET', '/api/orders', { token: user.accessToken }), 401);
    expect((await apiMe(other.accessToken)).status).toBe(200);
    expect((await refreshJson(user.refreshToken)).status).toBe(401);
  });

  it('logout-all revokes every session of the user within 1 s, and no one else', async () => {
    const user = await accounts.newUser();
    const second = await accounts.jsonLogin(user);
    const bystander = await accounts.newUser();
    for (const token of [user.accessToken, second.accessToken])
      expect((await apiMe(token)).status).toBe(200);
    const logout = await send('POST', '/auth/logout-all', { token: second.accessToken });
    const at = performance.now();
    expect(logout.status).toBe(204);
    const times = await Promise.all(
      [user.accessToken, second.accessToken].map((token, i) =>
        msUntilStatus(at, token, 401, `session ${i + 1} refused`),
      ),
    );
    for (const ms of times) expect(ms).toBeLessThan(REVOCATION_BOUND_MS);
    expect((await apiMe(bystander.accessToken)).status).toBe(200);
  });

  it("a deactivated user gets 403 at the gateway within 1 s: /verify's problem+json, relayed", async () => {
    const admin = await accounts.register();
    await promoteToAdmin(kube, admin.email);
    const adminTokens = await accounts.tokenGrant(admin); // a session started after the promotion
    const target: User = await accounts.newUser();
    expect((await apiMe(target.accessToken)).status).toBe(200);

    // an ordinary user may not do this: the check is real
    const refused = await send('PATCH', `/auth/users/${admin.id}`, {
      token: target.accessToken,
      json: { active: false },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'forbidden' });

    const patch = await send('PATCH', `/auth/users/${target.id}`, {
      token: adminTokens.accessToken,
      json: { active: false },
    });
    const at = performance.now();
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({ id: target.id, active: false });
    const ms = await msUntilStatus(at, target.accessToken, 403, 'the deactivated user refused');
    expect(ms).toBeLessThan(REVOCATION_BOUND_MS);
    expectTraefikDenial(await apiMe(target.accessToken), 403);
    expectTraefikDenial(
      await send('POST', '/api/orders', { token: target.accessToken, json: ORDER }),
      403,
    );
    expect((await apiMe(adminTokens.accessToken)).status).toBe(200);
  });
});

describe("without a valid bearer token: 401 at the gateway, /verify's answer relayed", () => {
  let user: User;
  beforeAll(async () => {
    user = await accounts.newUser();
  });

  const PROTECTED: ReadonlyArray<readonly [string, string]> = [
    ['GET', '/api/me'],
    ['GET', '/api/orders'],
    ['POST', '/api/orders'],
    ['DELETE', '/api/nothing-here'],
  ];

  it.each<[string, () => string | undefined]>([
    ['no Authorization header', () => undefined],
    ['an empty Authorization header', () => ''],
    ['Bearer with nothing after it', () => 'Bearer '],
    ['a garbage bearer token', () => 'Bearer not-a-jwt'],
    ['a truncated real token', () => `Bearer ${user.accessToken.slice(0, -10)}`],
    [
      'a real token with its signature altered',
      () => {
        const [header, payload, signature = ''] = user.accessToken.split('.');
        return `Bearer ${header}.${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
      },
    ],
    [
      'Basic credentials of a real user',
      () => `Basic ${Buffer.from(`${user.email}:${user.password}`).toString('base64')}`,
    ],
    ['the access token under another scheme', () => `Token ${user.accessToken}`],
    ['the refresh token as a bearer token', () => `Bearer ${user.refreshToken}`],
  ])('%s', async (what, authorization) => {
    const value = authorization();
    const headers: Record<string, string> = value === undefined ? {} : { authorization: value };
    for (const [method, path] of PROTECTED) {
      expectTraefikDenial(await send(method, path, { headers }), 401, `${what}: ${method} ${path}`);
    }
    // the control: the same user's real token passes
    expect((await apiMe(user.accessToken)).status).toBe(200);
  });

  it('a HEAD is denied with the status and headers, and no body', async () => {
    const res = await send('HEAD', '/api/me');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toBe('');
  });

  it('nothing of /verify is reachable from outside the gateway', async () => {
    for (const path of ['/verify', '/verify/api/me', '/auth/../verify']) {
      const res = await send('GET', path, { token: user.accessToken });
      expect(res.status, path).toBe(404);
      for (const header of IDENTITY_HEADERS)
        expect(res.headers[header], `${path}: ${header}`).toBeUndefined();
    }
  });
});
