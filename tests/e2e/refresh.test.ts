import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { send } from './support/gateway-client.js';
import { msUntil } from './support/polling.js';
import { stackAuthConfig } from './support/stack-settings.js';
import { newUser, type Tokens, tokensOf } from './support/users.js';

/** The grace for reusing a spent refresh token, as the stack's auth service has it. */
const REUSE_GRACE_SECONDS = stackAuthConfig().REFRESH_REUSE_GRACE_SECONDS;

const refreshJson = (refreshToken: string) =>
  send('POST', '/auth/refresh', { json: { refresh_token: refreshToken } });
const refreshForm = (refreshToken: string) =>
  send('POST', '/auth/token', {
    form: { grant_type: 'refresh_token', refresh_token: refreshToken },
  });
const apiMe = (token: string) => send('GET', '/api/me', { token });

describe('refresh tokens through the gateway', () => {
  it('rotates on every use, with JSON and with the OAuth2 refresh grant; every new access token works', async () => {
    const user = await newUser();
    const second = tokensOf(await refreshJson(user.refreshToken));
    expect(second.refreshToken).not.toBe(user.refreshToken);
    expect(second.accessToken).not.toBe(user.accessToken);
    const third = tokensOf(await refreshForm(second.refreshToken));
    expect(third.refreshToken).not.toBe(second.refreshToken);
    for (const tokens of [user, second, third]) {
      const me = await apiMe(tokens.accessToken);
      expect(me.status).toBe(200);
      expect(me.body.userId).toBe(user.id);
    }
  });

  it('a retry of the latest rotation within the grace gets a pair; the pair it replaces gets 401 at /api within 1 s', async () => {
    expect(REUSE_GRACE_SECONDS).toBeGreaterThan(1);
    const user = await newUser();
    const lost = tokensOf(await refreshJson(user.refreshToken)); // the answer the client never saw
    expect((await apiMe(lost.accessToken)).status).toBe(200);
    const retried = tokensOf(await refreshJson(user.refreshToken));
    const replacedAt = performance.now();
    expect(retried.refreshToken).not.toBe(lost.refreshToken);
    expect((await apiMe(retried.accessToken)).status).toBe(200);
    const ms = await msUntil(
      replacedAt,
      async () => (await apiMe(lost.accessToken)).status === 401,
      { what: 'the replaced access token rejected at /api' },
    );
    expect(ms).toBeLessThan(1000);
    // the retried pair is the family's one live head and keeps working
    const next = tokensOf(await refreshForm(retried.refreshToken));
    expect((await apiMe(next.accessToken)).status).toBe(200);
  });

  it('a token two generations old, within the grace, revokes the family: 401 at /api within 1 s', async () => {
    const user = await newUser();
    const second = tokensOf(await refreshJson(user.refreshToken));
    const third = tokensOf(await refreshJson(second.refreshToken));
    expect((await apiMe(third.accessToken)).status).toBe(200);
    const replay = await refreshJson(user.refreshToken);
    const revokedAt = performance.now();
    expect([replay.status, replay.body.code]).toEqual([401, 'invalid_refresh_token']);
    const ms = await msUntil(
      revokedAt,
      async () => (await apiMe(third.accessToken)).status === 401,
      { what: "the family's latest access token rejected at /api" },
    );
    expect(ms).toBeLessThan(1000);
    expect((await refreshJson(third.refreshToken)).status).toBe(401);
  });

  it('a spent token reused after the grace revokes the family: its access tokens get 401 at /api within 1 s', async () => {
    const user = await newUser();
    const live: Tokens = tokensOf(await refreshJson(user.refreshToken));
    expect((await apiMe(live.accessToken)).status).toBe(200);

    await sleep(REUSE_GRACE_SECONDS * 1000 + 500);
    const reuse = await refreshJson(user.refreshToken);
    const revokedAt = performance.now();
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ code: 'invalid_refresh_token' });

    const ms = await msUntil(
      revokedAt,
      async () => (await apiMe(live.accessToken)).status === 401,
      {
        what: 'the family access token rejected at /api',
      },
    );
    expect(ms).toBeLessThan(1000);
    const rejected = await apiMe(live.accessToken);
    expect(rejected.status).toBe(401);
    expect(rejected.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    // the family's live refresh token died with it, and the OAuth2 grant says so its own way
    const dead = await refreshForm(live.refreshToken);
    expect(dead.status).toBe(400);
    expect(dead.body).toMatchObject({ error: 'invalid_grant' });
  }, 60_000);
});
