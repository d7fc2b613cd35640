/**
 * The session logic against a fake edge: one refresh however many requests are refused together,
 * exactly one retry each, a refused retry surfacing as an error, and a refused refresh clearing
 * the storage.
 */
import { describe, expect, it } from 'vitest';
import {
  createShardgateClient,
  MemoryTokenStorage,
  NoSessionError,
  ProblemError,
  RefreshFailedError,
  SessionRejectedError,
} from '../../src/index.js';
import { fakeEdge } from '../support/fake-edge.js';

const BASE = 'http://edge.test';

/** A client on a fake edge, signed in with a stale access token (the edge wants a refresh). */
function staleSession(options: Parameters<typeof fakeEdge>[0] = {}) {
  const edge = fakeEdge(options);
  edge.validAccess.clear(); // a0 expired
  const storage = new MemoryTokenStorage({ accessToken: 'a0', refreshToken: 'r0' });
  const client = createShardgateClient({ baseUrl: BASE, storage, fetch: edge.fetch });
  return { edge, storage, client };
}

describe('a refused access token', () => {
  it('is refreshed once for 50 concurrent requests, and every request succeeds on its retry', async () => {
    const { edge, storage, client } = staleSession();
    const answers = await Promise.all(Array.from({ length: 50 }, () => client.api.me()));
    expect(answers).toHaveLength(50);
    expect(edge.refreshes).toBe(1);
    expect(edge.reuseDetected).toBe(false);
    expect(edge.hits.get('/api/me')).toBe(100); // each: the refused try and one retry
    expect(storage.get()).toEqual({ accessToken: 'a1', refreshToken: 'r1' });
  });

  it('refused again after the retry surfaces as SessionRejectedError, never a loop', async () => {
    const { edge, client } = staleSession({ refuseRefreshedTokens: true });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => client.api.me()));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(SessionRejectedError);
      expect(error).toMatchObject({ code: 'session_rejected', status: 401 });
    }
    expect(edge.refreshes).toBe(1);
    expect(edge.hits.get('/api/me')).toBe(20);
  });

  it('is retried with the tokens another request refreshed meanwhile, without a second refresh', async () => {
    const { edge, client } = staleSession();
    await client.api.me(); // refreshes: a1 is current
    // a request that left with a0 before that refresh and is refused after it
    const late = await client.send('GET', '/api/me', { auth: { bearer: 'a0' } });
    expect(late.status).toBe(401); // an explicit bearer is sent as it is, never refreshed
    edge.validAccess.add('a1');
    await Promise.all([client.api.me(), client.auth.me()]);
    expect(edge.refreshes).toBe(1);
  });

  it('shares the in-flight refresh with explicit refresh() calls', async () => {
    const { edge, client } = staleSession();
    const [pair] = await Promise.all([
      client.auth.refresh(),
      client.api.me(),
      client.auth.refresh(),
    ]);
    expect(pair).toEqual({ accessToken: 'a1', refreshToken: 'r1' });
    expect(edge.refreshes).toBe(1);
  });

  it('makes requests started during a refresh wait for it instead of sending the old token', async () => {
    const { edge, client } = staleSession({ latencyMs: 20 });
    const refreshing = client.auth.refresh();
    await client.api.me();
    await refreshing;
    expect(edge.hits.get('/api/me')).toBe(1); // sent once, with the new token
  });

  it('refreshes again later, once per wave of refusals', async () => {
    const { edge, client } = staleSession();
    await Promise.all(Array.from({ length: 5 }, () => client.api.me()));
    edge.validAccess.clear(); // a1 expires in its turn
    await Promise.all(Array.from({ length: 5 }, () => client.api.me()));
    expect(edge.refreshes).toBe(2);
    expect(edge.reuseDetected).toBe(false);
  });
});

describe('a refused refresh', () => {
  it('clears the storage and fails every waiting request with RefreshFailedError', async () => {
    const { edge, storage, client } = staleSession({ refreshAnswers: [401] });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => client.api.me()));
    for (const result of results) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(RefreshFailedError);
    }
    expect(edge.refreshes).toBe(1);
    expect(storage.get()).toBeUndefined();
    await expect(client.auth.refresh()).rejects.toBeInstanceOf(NoSessionError);
  });

  it('keeps the storage when the auth service could not answer (503), for a later try', async () => {
    const { edge, storage, client } = staleSession({ refreshAnswers: [503] });
    await expect(client.api.me()).rejects.toMatchObject({ code: 'scripted_503', status: 503 });
    expect(storage.get()).toEqual({ accessToken: 'a0', refreshToken: 'r0' });
    await client.api.me(); // the same refresh token works on the next try
    expect(edge.refreshes).toBe(2);
  });
});

describe('answers that are not a refused token', () => {
  it('pass through: a 401 without a Bearer challenge is an answer, never a refresh', async () => {
    const edge = fakeEdge();
    const storage = new MemoryTokenStorage({ accessToken: 'a0', refreshToken: 'r0' });
    const client = createShardgateClient({ baseUrl: BASE, storage, fetch: edge.fetch });
    const answer = await client.send('POST', '/auth/password', {
      json: { current_password: 'wrong-password', new_password: 'another-password' },
    });
    expect(answer.status).toBe(401);
    expect(edge.refreshes).toBe(0);
    const error = await client
      .request('POST', '/auth/password', {
        json: { current_password: 'wrong-password', new_password: 'another-password' },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({ code: 'wrong_password', status: 401 });
  });

  it('without a session, a request goes out without a token and is not refreshed', async () => {
    const edge = fakeEdge();
    const client = createShardgateClient({ baseUrl: BASE, fetch: edge.fetch });
    const answer = await client.send('GET', '/api/me');
    expect(answer.status).toBe(401);
    expect(edge.refreshes).toBe(0);
  });
});
