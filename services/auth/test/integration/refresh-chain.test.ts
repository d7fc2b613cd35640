import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallResult,
  call,
  newUser,
  startAuthServer,
  type TestAuthServer,
} from '../support/auth-server.js';
import { authSql } from '../support/sql.js';

/**
 * A session's refresh tokens form one chain with at most one unspent token; only a retry of the
 * latest rotation within the grace window is forgiven, and it kills the pair it replaces.
 */

const GRACE_SECONDS = 2;
let server: TestAuthServer;
let url: string;
beforeAll(async () => {
  server = await startAuthServer({ REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS) });
  url = server.url;
});
afterAll(() => server.close());

interface Pair {
  readonly access: string;
  readonly refresh: string;
}

const refresh = (token: string) =>
  call(url, 'POST', '/auth/refresh', { json: { refresh_token: token } });
const verify = async (access: string) =>
  (await call(url, 'GET', '/verify', { token: access })).status;
function pairOf(res: CallResult): Pair {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { access: res.body.access_token, refresh: res.body.refresh_token };
}
async function refreshed(token: string): Promise<Pair> {
  return pairOf(await refresh(token));
}

/** The session's unspent refresh tokens (as stored: SHA-256 hex) and its revocation. */
async function chainOf(userId: string): Promise<{ unspent: string[]; revoked: boolean }> {
  const rows = await authSql<{ token_hash: string | null; revoked: boolean }>(
    `SELECT t.token_hash, s.revoked_at IS NOT NULL AS revoked
       FROM sessions s LEFT JOIN refresh_tokens t ON t.session_id = s.id AND t.spent_at IS NULL
      WHERE s.user_id = $1`,
    [Number(userId)],
  );
  return {
    unspent: rows.flatMap((r) => (r.token_hash === null ? [] : [r.token_hash])),
    revoked: rows.some((r) => r.revoked),
  };
}
const stored = (refreshToken: string) => createHash('sha256').update(refreshToken).digest('hex');

/** Polls `/verify` until it refuses the token; the milliseconds it took, failing after one second. */
async function refusedWithinOneSecond(access: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const status = await verify(access);
    if (status === 401) return Date.now() - started;
    expect(status).toBe(200);
    if (Date.now() - started > 1_000) throw new Error('still accepted after one second');
    await sleep(20);
  }
}

describe('refresh tokens as a linear chain', () => {
  it('a retry of the latest rotation within the grace gets a pair that replaces the lost one', async () => {
    const user = await newUser(url);
    const lost = await refreshed(user.refreshToken); // the answer the client never saw
    const retried = await refreshed(user.refreshToken);
    expect(retried.refresh).not.toBe(lost.refresh);
    expect(await verify(retried.access)).toBe(200);
    // the replaced pair is dead: its access token at once (one process here), its refresh token
    // for good, and the session still has exactly one live head, the retried one
    expect(await refusedWithinOneSecond(lost.access)).toBeLessThan(1_000);
    expect(await chainOf(user.id)).toEqual({ unspent: [stored(retried.refresh)], revoked: false });
    const next = await refreshed(retried.refresh);
    expect(await verify(next.access)).toBe(200);
  });

  it('a token two generations old, within the grace, revokes the family at the gateway', async () => {
    const user = await newUser(url);
    const second = await refreshed(user.refreshToken);
    const third = await refreshed(second.refresh);
    expect(await verify(third.access)).toBe(200);
    const replay = await refresh(user.refreshToken); // spent well within the 2 s grace
    expect([replay.status, replay.body.code]).toEqual([401, 'invalid_refresh_token']);
    expect(await refusedWithinOneSecond(third.access)).toBeLessThan(1_000);
    expect((await refresh(third.refresh)).status).toBe(401);
    expect((await chainOf(user.id)).revoked).toBe(true);
  });

  it('the pair a retry replaced, presented again, revokes the family', async () => {
    const user = await newUser(url);
    const lost = await refreshed(user.refreshToken);
    const retried = await refreshed(user.refreshToken);
    expect((await refresh(lost.refresh)).status).toBe(401);
    expect(await refusedWithinOneSecond(retried.access)).toBeLessThan(1_000);
    expect((await chainOf(user.id)).revoked).toBe(true);
  });

  it('a retry after the grace revokes the family', async () => {
    const user = await newUser(url);
    const rotated = await refreshed(user.refreshToken);
    await sleep(GRACE_SECONDS * 1000 + 200);
    expect((await refresh(user.refreshToken)).status).toBe(401);
    expect(await refusedWithinOneSecond(rotated.access)).toBeLessThan(1_000);
  });

  it('two concurrent refreshes of one token both answer, and leave one live head', async () => {
    const user = await newUser(url);
    const answers = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    const pairs = answers.map(pairOf);
    const { unspent, revoked } = await chainOf(user.id);
    expect(revoked).toBe(false);
    expect(unspent).toHaveLength(1);
    // the later answer (the retry) holds the head; the earlier one's pair was replaced
    const head = pairs.find((p) => stored(p.refresh) === unspent[0]);
    const replaced = pairs.find((p) => p !== head);
    expect(head && replaced).toBeTruthy();
    expect(await verify(head?.access ?? '')).toBe(200);
    expect(await verify(replaced?.access ?? '')).toBe(401);
  });
});

/** What a client can do with the tokens it was given. */
type Step = 'rotate' | 'retry' | 'replay' | 'concurrent';

/** A pair the client holds, with the chain generation it was issued at. */
interface HeldPair extends Pair {
  readonly generation: number;
}

describe('the chain invariant over random interleavings (property)', () => {
  // a grace no run can outlast, so that every retry of the latest rotation is within it
  let patient: TestAuthServer;
  beforeAll(async () => {
    patient = await startAuthServer({ REFRESH_REUSE_GRACE_SECONDS: '300' });
  });
  afterAll(() => patient.close());

  it('never more than one unspent token; every answer and every access token as the rules say', async () => {
    const post = (token: string) =>
      call(patient.url, 'POST', '/auth/refresh', { json: { refresh_token: token } });
    const check = async (access: string) =>
      (await call(patient.url, 'GET', '/verify', { token: access })).status;
    const step = fc.constantFrom<Step>('rotate', 'retry', 'replay', 'concurrent');
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const user = await newUser(patient.url);
        // the model: the unspent head, the token whose rotation made it, every pair handed out,
        // the session's minimum generation, and whether the family was revoked
        let head: HeldPair = {
          access: user.accessToken,
          refresh: user.refreshToken,
          generation: 0,
        };
        let previous: string | null = null;
        const held: HeldPair[] = [head];
        let minGeneration = 0;
        let revoked = false;
        const take = (res: CallResult, generation: number) => {
          const pair = { ...pairOf(res), generation };
          held.push(pair);
          return pair;
        };
        for (const kind of steps) {
          if (kind === 'rotate' || (kind === 'retry' && previous === null)) {
            const res = await post(head.refresh);
            if (revoked) expect(res.status).toBe(401);
            else {
              previous = head.refresh;
              head = take(res, head.generation + 1);
            }
          } else if (kind === 'retry' && previous !== null) {
            const res = await post(previous);
            if (revoked) expect(res.status).toBe(401);
            else {
              head = take(res, head.generation + 1);
              minGeneration = head.generation;
            }
          } else if (kind === 'replay') {
            const spent = held.find((p) => p !== head && p.refresh !== previous);
            if (spent === undefined) continue;
            expect((await post(spent.refresh)).status).toBe(401);
            revoked = true;
          } else {
            const answers = await Promise.all([post(head.refresh), post(head.refresh)]);
            if (revoked) {
              expect(answers.map((a) => a.status)).toEqual([401, 401]);
              continue;
            }
            // one answer is the rotation, the other the retry that replaced it: the head
            const [unspent] = (await chainOf(user.id)).unspent;
            const retried = answers.find((a) => stored(a.body.refresh_token) === unspent);
            const rotated = answers.find((a) => a !== retried);
            expect(retried && rotated).toBeTruthy();
            previous = head.refresh;
            take(rotated as CallResult, head.generation + 1);
            head = take(retried as CallResult, head.generation + 2);
            minGeneration = head.generation;
          }
          const chain = await chainOf(user.id);
          expect(chain.revoked).toBe(revoked);
          expect(chain.unspent.length).toBeLessThanOrEqual(1);
          if (!revoked) expect(chain.unspent).toEqual([stored(head.refresh)]);
          // one process: a replaced pair's access token is refused at once
          for (const pair of held) {
            const accepted = !revoked && pair.generation >= minGeneration;
            expect(await check(pair.access)).toBe(accepted ? 200 : 401);
          }
        }
      }),
      { numRuns: 25 },
    );
  }, 180_000);
});
