import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { type GatewayResponse, IDENTITY_HEADERS, send } from './support/gateway-client.js';
import { msUntil } from './support/polling.js';
import { jsonLogin, newUser, promoteToAdmin, register, tokenGrant } from './support/users.js';

/** Design §4: a revocation reaches the gateway's `/verify` in at most one second. */
const REVOCATION_BOUND_MS = 1000;

const apiMe = (token: string) => send('GET', '/api/me', { token });

/** Milliseconds from `since` until `/api/me` with `token` answers `status`. */
function msUntilStatus(since: number, token: string, status: number, what: string) {
  return msUntil(since, async () => (await apiMe(token)).status === status, { what });
}

/** A gateway denial: nginx's own page, never the problem+json `/verify` wrote, no identity. */
function expectGatewayDenial(res: GatewayResponse, status: 401 | 403): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('text/html');
  expect(res.text).not.toContain('shardgate.dev/problems');
  for (const header of IDENTITY_HEADERS) expect(res.headers[header], header).toBeUndefined();
  expect(res.headers['x-shard']).toBeUndefined();
}

describe('revocations are enforced at the gateway within one second', () => {
  it('logout revokes that session only', async () => {
    const user = await newUser();
    const other = await jsonLogin(user);
    expect((await apiMe(user.accessToken)).status).toBe(200);

    const logout = await send('POST', '/auth/logout', { token: user.accessToken });
    const at = performance.now();
    expect(logout.status).toBe(204);
    const ms = await msUntilStatus(at, user.accessToken, 401, 'the logged-out token rejected');
    expect(ms).toBeLessThan(REVOCATION_BOUND_MS);
    expectGatewayDenial(await apiMe(user.accessToken), 401);

    expect((await apiMe(other.accessToken)).status).toBe(200);
    const refresh = await send('POST', '/auth/refresh', {
      json: { refresh_token: user.refreshToken },
    });
    expect(refresh.status).toBe(401);
  });

  it('logout-all revokes every session of the user', async () => {
    const user = await newUser();
    const second = await jsonLogin(user);
    const bystander = await newUser();
    for (const token of [user.accessToken, second.accessToken]) {
      expect((await apiMe(token)).status).toBe(200);
    }

    const logout = await send('POST', '/auth/logout-all', { token: second.accessToken });
    const at = performance.now();
    expect(logout.status).toBe(204);
    const times = await Promise.all(
      [user.accessToken, second.accessToken].map((token, i) =>
        msUntilStatus(at, token, 401, `session ${i + 1} rejected`),
      ),
    );
    for (const ms of times) expect(ms).toBeLessThan(REVOCATION_BOUND_MS);
    expect((await apiMe(bystander.accessToken)).status).toBe(200);
  });

  it('a password change revokes the other sessions; the old password stops working', async () => {
    const user = await newUser();
    const other = await tokenGrant(user);
    const newPassword = 'quartz-heron-meadow-42-bellows';

    const change = await send('POST', '/auth/password', {
      token: user.accessToken,
      json: { current_password: user.password, new_password: newPassword },
      from: user.from,
    });
    const at = performance.now();
    expect(change.status).toBe(204);
    const ms = await msUntilStatus(at, other.accessToken, 401, 'the other session rejected');
    expect(ms).toBeLessThan(REVOCATION_BOUND_MS);
    // the session that changed the password carries on
    expect((await apiMe(user.accessToken)).status).toBe(200);

    const old = await send('POST', '/auth/login', {
      json: { email: user.email, password: user.password },
      from: user.from,
    });
    expect(old.status).toBe(401);
    const fresh = await jsonLogin(user, newPassword);
    expect((await apiMe(fresh.accessToken)).status).toBe(200);
  });

  it('a deactivated user gets 403 at the gateway, at once and with no body from /verify', async () => {
    const admin = await register();
    await promoteToAdmin(admin.email);
    const adminTokens = await tokenGrant(admin); // a session started after the promotion
    const target = await newUser();
    expect((await apiMe(target.accessToken)).status).toBe(200);

    // an ordinary user may not do this: the check is real
    const refused = await send('PATCH', `/auth/users/${admin.id}`, {
      token: target.accessToken,
      json: { active: false },
    });
    expect(refused.status).toBe(403);

    const patch = await send('PATCH', `/auth/users/${target.id}`, {
      token: adminTokens.accessToken,
      json: { active: false },
    });
    const at = performance.now();
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({ id: target.id, active: false });
    const ms = await msUntilStatus(at, target.accessToken, 403, 'the deactivated user refused');
    expect(ms).toBeLessThan(REVOCATION_BOUND_MS);
    expectGatewayDenial(await apiMe(target.accessToken), 403);
    const orders = await send('GET', '/api/orders', { token: target.accessToken });
    expectGatewayDenial(orders, 403);
    // the administrator is unaffected
    expect((await apiMe(adminTokens.accessToken)).status).toBe(200);
  });
});
