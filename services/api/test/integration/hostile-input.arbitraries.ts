import fc from 'fast-check';
import { anyValue, wellFormed } from '../../../../tests/support/hostile-arbitraries.js';
import { json } from './hostile-input.corpus.js';
import { encodeCursor } from './hostile-queries.corpus.js';

// The generated input of hostile-input.test.ts: fast-check arbitraries of bodies, headers, ids and
// query strings, hostile by construction (binary strings, special numbers, prototype keys) and
// mixed with valid values, so that some requests succeed and the shards can be checked for them.

/** Object keys: binary strings, prototype keys, and the API's own field names. */
export const anyKey: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'items',
    'currency',
    'sku',
    'quantity',
    'unitPriceCents',
    'status',
    'name',
  ),
);

/** Orders the API accepts: 1-4 items within the limits, a known currency. */
export const validOrder = fc.record({
  items: fc.array(
    fc.record({
      sku: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
      quantity: fc.integer({ min: 1, max: 1000 }),
      unitPriceCents: fc.integer({ min: 0, max: 100_000_000 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  currency: fc.constantFrom('EUR', 'USD', 'GBP', 'JPY', 'CHF'),
});

/** One change to a valid order: a member replaced, deleted or added, or a number re-spelled. */
export interface Mutation {
  readonly op: 'replace' | 'delete' | 'add' | 'literal';
  readonly at: number;
  readonly key: string;
  readonly value: unknown;
  readonly literal: string;
}

/** Mutations of valid orders, applied by {@link mutate}. */
export const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('replace', 'delete', 'add', 'literal'),
  at: fc.nat(),
  key: anyKey,
  value: anyValue,
  literal: fc.constantFrom(
    '1e999',
    '-1e999',
    '1e-999',
    '-0',
    '1E2',
    '1.0',
    '0.1e1',
    '9007199254740993',
    '-0.0',
  ),
});

/** Sets `key` as an own member even when it is `__proto__` (plain assignment would not). */
const define = (target: object, key: string, value: unknown): object =>
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });

/** The text of `order` after `mutations`: members replaced, deleted or added, numbers rewritten. */
export function mutate(order: unknown, mutations: readonly Mutation[]): string {
  let root: unknown = structuredClone(order);
  let literals: Mutation[] = [];
  for (const generated of mutations) {
    if (generated.op === 'literal') {
      literals = [...literals, generated];
      continue;
    }
    // A copy: fast-check hands out the same value again while shrinking and across properties, so
    // writing into it (a later mutation may add into an earlier one's value) would make cycles.
    const m = { ...generated, value: structuredClone(generated.value) };
    const containers: object[] = [];
    const slots: Array<[object, string]> = [];
    const walk = (value: unknown) => {
      if (value === null || typeof value !== 'object') return;
      containers.push(value);
      for (const key of Object.keys(value)) {
        slots.push([value, key]);
        walk((value as Record<string, unknown>)[key]);
      }
    };
    walk(root);
    if (m.op === 'add') {
      const target = containers[m.at % Math.max(containers.length, 1)];
      if (Array.isArray(target)) target.push(m.value);
      else if (target) define(target, m.key, m.value);
      continue;
    }
    const slot = slots[m.at % (slots.length + 1)];
    if (!slot) {
      root = m.op === 'replace' ? m.value : undefined;
      continue;
    }
    const [container, key] = slot;
    if (m.op === 'replace') define(container, key, m.value);
    else if (Array.isArray(container)) container.splice(Number(key), 1);
    else delete (container as Record<string, unknown>)[key];
  }
  let text = JSON.stringify(root) ?? '';
  for (const m of literals) {
    const field = m.at % 2 === 0 ? 'quantity' : 'unitPriceCents';
    text = text.replace(new RegExp(`("${field}":)-?\\d+(\\.\\d+)?`), `$1${m.literal}`);
  }
  return text;
}

/** Order bodies of any shape: JSON texts and values (binary strings, nesting) and plain text. */
export const bodyText: fc.Arbitrary<string> = fc.oneof(
  fc.json({ stringUnit: 'binary' }),
  fc.jsonValue().map((v) => json(v)),
  fc.anything({ stringUnit: 'binary', withNullPrototype: true }).map((v) => json(v) ?? ''),
  fc.object({ maxDepth: 2 }).map((v) => json(v)),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

/** Characters that make paths odd: escapes, dots, separators, a non-ASCII letter. */
const pathChar = fc.constantFrom('%', '2', 'F', '0', 'a', '.', '-', 'E', 'é', ' ', '?', '#', ';');

/**
 * The `:id` of `/api/orders/:id`: UUIDs, encoded binary strings, raw odd characters, and `target`
 * (an existing order's id) as is, upper-cased, or with something appended.
 */
export const orderIdSegment = (target: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.uuid().map((id) => encodeURIComponent(id)),
    fc.string({ unit: 'binary', maxLength: 80 }).map((s) => encodeURIComponent(wellFormed(s))),
    fc.string({ unit: pathChar, maxLength: 20 }),
    fc.constantFrom(target, target.toUpperCase(), `${target}%00`, `${target}%20`),
    fc.string({ unit: 'grapheme', maxLength: 10 }).map((s) => `${target}${encodeURIComponent(s)}`),
  );

/** `PATCH /api/orders/:id` bodies: the valid one, any JSON, any `status`, plain text. */
export const updateBodyText: fc.Arbitrary<string> = fc.oneof(
  fc.constant(json({ status: 'cancelled' })),
  fc.jsonValue().map((v) => json(v)),
  fc.record({ status: anyValue }).map((v) => json(v) ?? ''),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** `POST /api/users` bodies: any or no `name` with extra members, any JSON, plain text. */
export const profileBodyText: fc.Arbitrary<string> = fc.oneof(
  fc
    .record(
      {
        name: fc.oneof(
          fc.string({ unit: 'binary', maxLength: 120 }),
          fc.string({ unit: 'grapheme', maxLength: 120 }),
          anyValue,
        ),
        extra: fc.dictionary(anyKey, anyValue, { maxKeys: 2 }),
      },
      { requiredKeys: [] },
    )
    .map(({ extra, ...rest }) => {
      const body: Record<string, unknown> = { ...rest };
      for (const [k, v] of Object.entries(extra ?? {})) define(body, k, v);
      return json(body);
    }),
  fc.jsonValue().map((v) => json(v)),
  fc.string({ unit: 'binary', maxLength: 100 }),
);

/** List cursors spelled the way the API spells them, around well- and ill-typed contents. */
const cursor = fc.oneof(
  fc
    .record({ t: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), i: fc.uuid() })
    .map(encodeCursor),
  fc.jsonValue().map(encodeCursor),
  fc
    .record({
      t: fc.oneof(
        fc.string(),
        fc.integer(),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      ),
      i: fc.oneof(fc.uuid(), fc.string()),
    })
    .map(encodeCursor),
);

/** Query parameter values: binary strings, numbers of every kind, long tokens, cursors. */
const queryValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.nat().map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
  fc.constantFrom('', '0', '1', '20', '100', '101', '-1', '1e2', '0x10', ' 1'),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,250}$/),
  cursor,
);

/** Query parameter names: the API's own two, or anything. */
const queryName = fc.oneof(
  fc.constantFrom('limit', 'cursor'),
  fc.string({ unit: 'binary', maxLength: 10 }),
);

/** Query strings (without `?`) for `GET /api/orders`: encoded pairs, raw odd text, cursors. */
export const orderListQuery: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(fc.tuple(queryName, queryValue), { maxLength: 4 })
    .map((pairs) =>
      new URLSearchParams(
        pairs.map(([k, v]): [string, string] => [wellFormed(k), wellFormed(v)]),
      ).toString(),
    ),
  fc.string({
    unit: fc.constantFrom(
      '%',
      '&',
      '=',
      '+',
      'limit',
      'cursor',
      '1',
      '0',
      'F',
      'E',
      '[',
      ']',
      '.',
      'é',
    ),
    maxLength: 20,
  }),
  // a cursor alone, and with a limit: cursors are opaque, so clients can send anything
  cursor.map((c) => `cursor=${c}`),
  fc.tuple(fc.integer({ min: 1, max: 100 }), cursor).map(([l, c]) => `limit=${l}&cursor=${c}`),
);

export {
  anyValue,
  bodyBytes,
  contentType,
  headerValue,
  wellFormed,
} from '../../../../tests/support/hostile-arbitraries.js';
