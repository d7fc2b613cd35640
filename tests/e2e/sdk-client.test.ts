/**
 * `@shardgate/client` against the stack's gateway: 50 requests refused together (a real, expired
 * access token of a live session) make exactly one refresh at the auth service, counted in its
 * own log, and all 50 succeed on their retry; a retry refused again (the session revoked while it
 * refreshed) surfaces as SessionRejectedError after one retry per request, never a loop.
 *
 * Every request the client sends carries an `X-Request-ID` starting with this test's tag, which
 * the gateway passes to the auth service and the auth service logs: what reached the service is
 * counted there, apart from the other suites sharing the stack.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createShardgateClient,
  MemoryTokenStorage,
  SessionRejectedError,
  type TokenPair,
} from '@shardgate/client';
import { describe, expect, inject, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { SessionForgery } from './support/forged-tokens.js';
import { send } from './support/gateway-client.js';
import { serviceLogLines } from './support/service-logs.js';
import { newUser } from './support/users.js';

const stack = inject('stack');

/** A `fetch` that gives every request an `X-Request-ID` of `<tag>-<n>`, and counts them. */
function taggedFetch(tag: string) {
  const sent = { count: 0 };
  const tagged: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('x-request-id', `${tag}-${++sent.count}`);
    return fetch(input, { ...init, headers });
  };
  return { tagged, sent };
}

/** The auth service's log lines of `route` for requests tagged `tag`. */
function authLines(tag: string, route: string) {
  return serviceLogLines().filter(
    (line) =>
      line.service === 'auth' &&
      line.route === route &&
      typeof line.reqId === 'string' &&
      line.reqId.startsWith(`${tag}-`),
  );
}

/**
 * How many tagged refreshes reached the auth service: waits for the first log line, then a while
 * longer, so a second one would have been written too.
 */
async function refreshesLogged(tag: string): Promise<number> {
  await eventually(
    async () => authLines(tag, '/auth/refresh').length > 0,
    5000,
    `a log line of a refresh tagged ${tag}`,
  );
  await sleep(1000);
  return authLines(tag, '/auth/refresh').length;
}

describe('@shardgate/client through the gateway', () => {
  it('makes one refresh for 50 requests refused together, and all 50 succeed on retry', async () => {
    const user = await newUser();
    const expired = new SessionForgery(user.accessToken).expired();
    const tag = `sdk-e2e-${randomUUID()}`;
    const { tagged, sent } = taggedFetch(tag);
    const storage = new MemoryTokenStorage({
      accessToken: expired,
      refreshToken: user.refreshToken,
    });
    const client = createShardgateClient({ baseUrl: stack.gatewayUrl, storage, fetch: tagged });

    const profiles = await Promise.all(Array.from({ length: 50 }, () => client.api.me()));

    expect(profiles.map((p) => p.userId)).toEqual(Array(50).fill(user.id));
    expect(await refreshesLogged(tag)).toBe(1);
    expect(authLines(tag, '/auth/refresh')[0]).toMatchObject({ status: 200 });
    expect(sent.count).toBe(50 + 1 + 50); // each request twice, plus the one refresh
    // one refresh means no spent token came back: the session lives on with the new pair
    const pair = storage.get() as TokenPair;
    expect(pair.refreshToken).not.toBe(user.refreshToken);
    expect((await send('GET', '/api/me', { token: pair.accessToken })).status).toBe(200);
    expect((await client.api.orders.list()).items).toEqual([]);
  });

  it('surfaces a retry refused again as SessionRejectedError, one retry each, never a loop', async () => {
    const user = await newUser();
    const expired = new SessionForgery(user.accessToken).expired();
    const tag = `sdk-e2e-${randomUUID()}`;
    const { tagged, sent } = taggedFetch(tag);
    // The session is logged out as its refreshed pair is stored (another tab logging out, say):
    // the retries then carry an access token the gateway refuses.
    class LoggedOutMeanwhile extends MemoryTokenStorage {
      override async set(pair: TokenPair): Promise<void> {
        super.set(pair);
        const out = await send('POST', '/auth/logout', { token: pair.accessToken });
        expect(out.status).toBe(204);
        await eventually(
          async () => (await send('GET', '/api/me', { token: pair.accessToken })).status === 401,
          2000,
          'the logged-out access token refused at the gateway',
        );
      }
    }
    const storage = new LoggedOutMeanwhile({
      accessToken: expired,
      refreshToken: user.refreshToken,
    });
    const client = createShardgateClient({ baseUrl: stack.gatewayUrl, storage, fetch: tagged });

    const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.api.me()));

    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as SessionRejectedError;
      expect(error).toBeInstanceOf(SessionRejectedError);
      expect(error).toMatchObject({ code: 'session_rejected', status: 401 });
    }
    expect(await refreshesLogged(tag)).toBe(1);
    expect(sent.count).toBe(5 + 1 + 5);
  });
});
