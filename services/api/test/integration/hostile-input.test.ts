import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type TestApiServer } from '../support/api-server.js';
import { footprint, NOTHING, onHome, primaryOf } from '../support/footprint.js';
import {
  type Answer,
  expectProblem,
  newUser,
  notAProblem,
  type Probe,
  sendProbe,
  serverErrorFor,
  serverErrors,
  type User,
} from '../support/problem-requests.js';
import { sql } from '../support/shard-sql.js';
import {
  bodyBytes,
  bodyText,
  contentType,
  headerValue,
  mutate,
  mutation,
  orderIdSegment,
  orderListQuery,
  profileBodyText,
  updateBodyText,
  validOrder,
} from './hostile-input.arbitraries.js';
import { json, NOT_FOUND, VALID_ORDER } from './hostile-input.corpus.js';
import { hostileIds, ORDER_UPDATE_CORPUS } from './hostile-order-updates.corpus.js';
import { ORDER_CORPUS } from './hostile-orders.corpus.js';
import { PROFILE_CORPUS } from './hostile-profiles.corpus.js';
import { QUERY_CORPUS } from './hostile-queries.corpus.js';

// Acceptance: hostile input (wrong types, huge numbers, negative quantities, 1 MiB bodies,
// invalid JSON, unknown fields, odd unicode) gets 4xx with problem+json and writes nothing; a
// generated-input test (fast-check, at least 1,000 cases) never sees a 5xx.
//
// The named corpus states the exact status and code of every case, and each corpus runs as its
// own users, so that the shards can be checked afterwards for exactly what valid requests wrote.
// The corpora are data modules next to this file (hostile-*.corpus.ts), the generators of the
// generated input are in hostile-input.arbitraries.ts; this file sends them and checks answers.

let api: TestApiServer;

beforeAll(async () => {
  api = await startApiServer();
});
afterAll(async () => {
  await api?.close();
});

/** Sends `probe` to this file's API server as `who`. */
const send = (who: User, probe: Probe): Promise<Answer> => sendProbe(api, who, probe);

// --- the named corpus -------------------------------------------------------------------------

describe('POST /api/orders refuses hostile input and writes nothing', () => {
  const users: User[] = [];
  beforeAll(async () => {
    users.push(await newUser('even'), await newUser('odd'));
  });

  it.each(ORDER_CORPUS.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    for (const u of users) {
      const answer = await send(u, { method: 'POST', path: '/api/orders', ...c });
      expectProblem(answer, `${c.name} (user ${u.id})`, c.status, c.code);
    }
  });

  it('left no order and no profile on either shard', async () => {
    for (const u of users) expect(await footprint(u), `user ${u.id}`).toEqual(NOTHING);
  });
});

describe('PATCH /api/orders/:id refuses hostile input and changes nothing', () => {
  let owner: User;
  let stranger: User;
  let order: { id: string; updatedAt: string };
  beforeAll(async () => {
    owner = await newUser();
    stranger = await newUser();
    const placed = await send(owner, {
      method: 'POST',
      path: '/api/orders',
      body: json(VALID_ORDER),
    });
    expect(placed.status).toBe(201);
    order = placed.body;
  });

  it.each(ORDER_UPDATE_CORPUS.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const path = `/api/orders/${order.id}`;
    expectProblem(await send(owner, { method: 'PATCH', path, ...c }), c.name, c.status, c.code);
    // someone else's order: the id is known to exist, the answer must not tell
    const foreign = await send(stranger, { method: 'PATCH', path, ...c });
    expect(foreign.status, `${c.name} (stranger)`).toBeGreaterThanOrEqual(400);
    expect(notAProblem(foreign), `${c.name} (stranger)`).toBeNull();
  });

  it.each(hostileIds(randomUUID()).map((c) => [c.name, c] as const))(
    'an id with %s is not found, even with a valid body',
    async (_name, c) => {
      const ids = hostileIds(order.id).find((x) => x.name === c.name) ?? c;
      for (const who of [owner, stranger]) {
        const answer = await send(who, {
          method: 'PATCH',
          path: ids.path,
          body: '{"status":"cancelled"}',
        });
        expectProblem(
          answer,
          `${c.name}: ${ids.path.slice(0, 120)}`,
          NOT_FOUND.status,
          NOT_FOUND.code,
        );
      }
    },
  );

  it('left the order pending and untouched, and wrote nothing for the stranger', async () => {
    const shown = await send(owner, { method: 'GET', path: `/api/orders/${order.id}` });
    expect([shown.status, shown.body.status, shown.body.updatedAt]).toEqual([
      200,
      'pending',
      order.updatedAt,
    ]);
    expect(await footprint(owner)).toEqual({
      orders: onHome(owner, 1),
      profiles: onHome(owner, 1),
    });
    expect(await footprint(stranger)).toEqual(NOTHING);
  });
});

describe('POST /api/users refuses hostile input and writes nothing', () => {
  let fresh: User;
  let named: User;
  let profile: { name: string; updatedAt: string };
  beforeAll(async () => {
    fresh = await newUser();
    named = await newUser();
    const created = await send(named, {
      method: 'POST',
      path: '/api/users',
      body: '{"name":"Ada"}',
    });
    expect(created.status).toBe(201);
    profile = created.body;
  });

  it.each(PROFILE_CORPUS.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    for (const u of [fresh, named]) {
      const answer = await send(u, { method: 'POST', path: '/api/users', ...c });
      expectProblem(answer, `${c.name} (user ${u.id})`, c.status, c.code);
    }
  });

  it('created no profile for a new user and left an existing one as it was', async () => {
    expect(await footprint(fresh)).toEqual(NOTHING);
    expect(await footprint(named)).toEqual({ orders: [0, 0], profiles: onHome(named, 1) });
    const [row] = await sql<{ name: string | null; updated_at: Date }>(
      primaryOf(named),
      'SELECT name, updated_at FROM profiles WHERE user_id = $1',
      [named.id],
    );
    expect([row?.name, row?.updated_at.toISOString()]).toEqual(['Ada', profile.updatedAt]);
  });
});

describe('GET /api/orders refuses hostile query strings', () => {
  let u: User;
  beforeAll(async () => {
    u = await newUser();
  });

  it.each(QUERY_CORPUS.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const answer = await send(u, { method: 'GET', path: `/api/orders?${c.query}` });
    expectProblem(answer, `${c.name}: ?${c.query.slice(0, 120)}`, c.status, c.code);
  });

  it('wrote nothing', async () => {
    expect(await footprint(u)).toEqual(NOTHING);
  });
});

describe('after the corpus', () => {
  it('polluted no prototype in the server process', () => {
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('logged no server error', () => {
    expect(serverErrors(api.logs)).toEqual([]);
  });
});

// --- generated input --------------------------------------------------------------------------

/** Checks one generated answer: below 500, and problem+json when 4xx. */
function checkGenerated(answer: Answer, label: () => string): void {
  if (answer.status >= 500) {
    throw new Error(
      `${answer.status} for ${label()}\n${answer.text.slice(0, 300)}\n${serverErrorFor(answer)}`,
    );
  }
  if (answer.status >= 400) {
    const why = notAProblem(answer);
    if (why)
      throw new Error(`not problem+json (${why}) for ${label()}: ${answer.text.slice(0, 300)}`);
  }
}

const show = (value: unknown) => {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
};

/** How many generated requests ran, by property: the total must reach 1,000. */
const generated = new Map<string, number>();
const count = (name: string) => generated.set(name, (generated.get(name) ?? 0) + 1);

/** Where the server's log stood when the generated input began. */
let logsBeforeGenerated = 0;

describe.concurrent('generated input never gets a 5xx', () => {
  beforeAll(() => {
    logsBeforeGenerated = api.logs.length;
  });

  it('arbitrary JSON values and text as order bodies', async () => {
    const u = await newUser();
    const created = new Set<string>();
    await fc.assert(
      fc.asyncProperty(bodyText, async (body) => {
        count('json bodies');
        const answer = await send(u, { method: 'POST', path: '/api/orders', body });
        checkGenerated(answer, () => `POST /api/orders ${show(body)}`);
        if (answer.status === 201) created.add(answer.body.id);
      }),
      { numRuns: 250 },
    );
    expect(await footprint(u)).toEqual(
      created.size > 0 ? { orders: onHome(u, created.size), profiles: onHome(u, 1) } : NOTHING,
    );
  });

  it('mutated valid orders, with arbitrary Idempotency-Keys', async () => {
    const u = await newUser();
    const created = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        validOrder,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.option(headerValue, { nil: undefined }),
        async (order, mutations, key) => {
          count('mutated orders');
          const body = mutate(order, mutations);
          const headers: Record<string, string> =
            key === undefined ? {} : { 'idempotency-key': key };
          const answer = await send(u, { method: 'POST', path: '/api/orders', body, headers });
          checkGenerated(answer, () => `POST /api/orders key=${show(key)} ${show(body)}`);
          if (answer.status === 201) created.add(answer.body.id);
        },
      ),
      { numRuns: 350 },
    );
    expect(await footprint(u)).toEqual(
      created.size > 0 ? { orders: onHome(u, created.size), profiles: onHome(u, 1) } : NOTHING,
    );
  });

  it("arbitrary path ids and bodies for GET and PATCH of someone else's order", async () => {
    const owner = await newUser();
    const stranger = await newUser();
    const placed = await send(owner, {
      method: 'POST',
      path: '/api/orders',
      body: json(VALID_ORDER),
    });
    expect(placed.status).toBe(201);
    const target: string = placed.body.id;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'GET' | 'PATCH'>('GET', 'PATCH'),
        orderIdSegment(target),
        updateBodyText,
        async (method, id, body) => {
          count('ids and patches');
          const path = `/api/orders/${id}`;
          const answer = await send(stranger, {
            method,
            path,
            ...(method === 'PATCH' ? { body } : {}),
          });
          checkGenerated(answer, () => `${method} ${show(path)} ${show(body)}`);
          if (answer.status < 400 && answer.body?.id === target) {
            throw new Error(`${method} ${path} reached someone else's order`);
          }
        },
      ),
      { numRuns: 150 },
    );
    const shown = await send(owner, { method: 'GET', path: `/api/orders/${target}` });
    expect([shown.body.status, shown.body.updatedAt]).toEqual(['pending', placed.body.updatedAt]);
    expect(await footprint(stranger)).toEqual(NOTHING);
  });

  it('arbitrary profile bodies', async () => {
    const u = await newUser();
    let lastSaved: { name: string | null } | undefined;
    await fc.assert(
      fc.asyncProperty(profileBodyText, async (body) => {
        count('profiles');
        const answer = await send(u, { method: 'POST', path: '/api/users', body });
        checkGenerated(answer, () => `POST /api/users ${show(body)}`);
        if (answer.status < 300) lastSaved = answer.body;
      }),
      { numRuns: 150 },
    );
    expect(await footprint(u)).toEqual({
      orders: [0, 0],
      profiles: lastSaved ? onHome(u, 1) : [0, 0],
    });
    if (lastSaved) {
      const [row] = await sql<{ name: string | null }>(
        primaryOf(u),
        'SELECT name FROM profiles WHERE user_id = $1',
        [u.id],
      );
      expect(row?.name).toBe(lastSaved.name);
    }
  });

  it('arbitrary query strings for the order list', async () => {
    const u = await newUser();
    for (let i = 0; i < 3; i++) {
      const placed = await send(u, {
        method: 'POST',
        path: '/api/orders',
        body: json(VALID_ORDER),
      });
      expect(placed.status).toBe(201);
    }
    await fc.assert(
      fc.asyncProperty(orderListQuery, async (q) => {
        count('query strings');
        const answer = await send(u, { method: 'GET', path: `/api/orders?${q}` });
        checkGenerated(answer, () => `GET /api/orders?${show(q)}`);
        if (answer.status === 200 && !Array.isArray(answer.body?.items)) {
          throw new Error(`200 without items for ?${q}`);
        }
      }),
      { numRuns: 200 },
    );
    expect(await footprint(u)).toEqual({ orders: onHome(u, 3), profiles: onHome(u, 1) });
  });

  it('arbitrary bytes under arbitrary content types', async () => {
    const u = await newUser();
    const created = new Set<string>();
    let profileSaved = false;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/orders', '/api/users'),
        bodyBytes,
        contentType,
        async (path, body, type) => {
          count('bytes');
          const answer = await send(u, { method: 'POST', path, body, type });
          checkGenerated(
            answer,
            () => `POST ${path} type=${show(type)} ${show(body.toString('latin1'))}`,
          );
          if (answer.status === 201 && path === '/api/orders') created.add(answer.body.id);
          if (answer.status < 300 && path === '/api/users') profileSaved = true;
        },
      ),
      { numRuns: 100 },
    );
    expect(await footprint(u)).toEqual({
      orders: onHome(u, created.size),
      profiles: created.size > 0 || profileSaved ? onHome(u, 1) : [0, 0],
    });
  });
});

describe('after the generated input', () => {
  it('ran at least 1,000 generated requests', () => {
    const total = [...generated.values()].reduce((a, b) => a + b, 0);
    expect(total, JSON.stringify(Object.fromEntries(generated))).toBeGreaterThanOrEqual(1000);
  });

  it('logged no server error while it ran', () => {
    expect(serverErrors(api.logs.slice(logsBeforeGenerated))).toEqual([]);
  });

  it('still serves a valid request correctly', async () => {
    const u = await newUser();
    const placed = await send(u, {
      method: 'POST',
      path: '/api/orders',
      body: json({
        ...VALID_ORDER,
        items: [...VALID_ORDER.items, { sku: 'TEE.blue_L', quantity: 3, unitPriceCents: 999 }],
      }),
      headers: { 'idempotency-key': 'after-the-storm' },
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      userId: String(u.id),
      status: 'pending',
      currency: 'EUR',
      totalCents: 2 * 1250 + 3 * 999,
    });
    const list = await send(u, { method: 'GET', path: '/api/orders?limit=5' });
    expect([list.status, list.body.items.map((o: { id: string }) => o.id)]).toEqual([
      200,
      [placed.body.id],
    ]);
    const cancelled = await send(u, {
      method: 'PATCH',
      path: `/api/orders/${placed.body.id}`,
      body: '{"status":"cancelled"}',
    });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    const named = await send(u, { method: 'POST', path: '/api/users', body: '{"name":"  Zoë  "}' });
    expect([named.status, named.body.name]).toEqual([200, 'Zoë']);
    expect(await footprint(u)).toEqual({ orders: onHome(u, 1), profiles: onHome(u, 1) });
  });
});
