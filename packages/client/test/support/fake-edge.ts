/**
 * A fake edge for the client's unit tests: a `fetch` that answers like the gateway and the auth
 * service for the few paths the session logic touches, with refresh-token rotation and reuse
 * detection as the auth service has them, and counters of what it received.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Settings of {@link fakeEdge}. */
export interface FakeEdgeOptions {
  /** Delay of every answer in milliseconds, so concurrent requests overlap. @default 5 */
  readonly latencyMs?: number;
  /** Answers of `/auth/refresh` to give instead of a rotation, in order (then rotations again). */
  readonly refreshAnswers?: number[];
  /** When true, access tokens issued by a refresh are refused too (a session revoked meanwhile). */
  readonly refuseRefreshedTokens?: boolean;
}

/** The fake edge: its `fetch` and what it saw. */
export interface FakeEdge {
  readonly fetch: typeof fetch;
  /** Requests that reached `/auth/refresh`. */
  refreshes: number;
  /** Requests per path, refreshes included. */
  readonly hits: Map<string, number>;
  /** The access tokens the edge accepts now. */
  readonly validAccess: Set<string>;
  /** The one refresh token the edge accepts now (the head of the chain). */
  headRefresh: string;
  /** Set when a spent refresh token came back: the session is revoked. */
  reuseDetected: boolean;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** A fake edge whose session starts with access token `a0` and refresh token `r0`. */
export function fakeEdge(options: FakeEdgeOptions = {}): FakeEdge {
  const latency = options.latencyMs ?? 5;
  const scripted = [...(options.refreshAnswers ?? [])];
  let generation = 0;
  const edge: FakeEdge = {
    refreshes: 0,
    hits: new Map(),
    validAccess: new Set(['a0']),
    headRefresh: 'r0',
    reuseDetected: false,
    fetch: async (input, init) => {
      const url = new URL(String(input));
      edge.hits.set(url.pathname, (edge.hits.get(url.pathname) ?? 0) + 1);
      await sleep(latency);
      if (url.pathname === '/auth/refresh') return refresh(JSON.parse(String(init?.body)));
      const auth = new Headers(init?.headers).get('authorization') ?? '';
      const token = auth.replace(/^Bearer /, '');
      if (!edge.validAccess.has(token)) {
        return new Response('<html>401</html>', {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        });
      }
      if (url.pathname === '/auth/password') {
        // a 401 that is an answer, not a refused token: no challenge
        return json(401, { code: 'wrong_password', detail: 'The current password is wrong.' });
      }
      return json(200, { userId: '1', email: 'a@example.test', path: url.pathname });
    },
  };

  function refresh(body: { refresh_token: string }): Response {
    edge.refreshes++;
    const status = scripted.shift();
    if (status !== undefined) return json(status, { code: `scripted_${status}` });
    if (body.refresh_token !== edge.headRefresh) {
      // a spent token again: the auth service takes it for theft and revokes the family
      edge.reuseDetected = true;
      edge.validAccess.clear();
      return json(401, { code: 'invalid_refresh_token' });
    }
    generation++;
    const access = `a${generation}`;
    edge.headRefresh = `r${generation}`;
    edge.validAccess.clear();
    if (!options.refuseRefreshedTokens) edge.validAccess.add(access);
    return json(
      200,
      {
        access_token: access,
        refresh_token: edge.headRefresh,
        token_type: 'Bearer',
        expires_in: 900,
        user_id: '1',
      },
      { 'cache-control': 'no-store' },
    );
  }

  return edge;
}
