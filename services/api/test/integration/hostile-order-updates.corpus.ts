import { randomUUID } from 'node:crypto';
import type { Hostile } from './hostile-input.corpus.js';
import {
  escapedTextOutcome,
  INVALID,
  json,
  TYPED_VALUES,
  unreadableBodies,
} from './hostile-input.corpus.js';

// PATCH /api/orders/:id: hostile bodies, and hostile forms of the id in the path.

function patchCorpus(): Hostile[] {
  const valid = json({ status: 'cancelled' });
  const cases: Hostile[] = [...unreadableBodies(valid)];
  for (const [what, raw] of Object.entries(TYPED_VALUES)) {
    cases.push({ name: `the body as ${what}`, ...INVALID, body: raw });
    cases.push({ name: `status as ${what}`, ...INVALID, body: `{"status":${raw}}` });
  }
  const statuses: Record<string, string> = {
    shipped: 'shipped',
    paid: 'paid',
    delivered: 'delivered',
    pending: 'pending',
    'upper case': 'CANCELLED',
    'American spelling': 'canceled',
    'a trailing space': 'cancelled ',
    'a leading space': ' cancelled',
    'an escaped NUL': 'cancelled\\u0000',
    'a zero-width joiner': 'cancel\u200dled',
    'an RTL override': '\u202ecancelled',
    'a combining mark': 'cancelle\u0301d',
    'fullwidth letters': 'ｃａｎｃｅｌｌｅｄ',
    'a lone surrogate': 'cancelled\\ud800',
    'an emoji': 'cancelled 🚫',
    'an empty string': '',
  };
  for (const [what, status] of Object.entries(statuses)) {
    cases.push({
      name: `status ${what}`,
      ...escapedTextOutcome(INVALID, status),
      body: `{"status":"${status}"}`,
    });
  }
  cases.push(
    { name: 'no status', ...INVALID, body: '{}' },
    { name: 'status as an array of the valid one', ...INVALID, body: '{"status":["cancelled"]}' },
    { name: 'the valid body as a JSON string', ...INVALID, body: json(valid) },
    { name: 'the valid body in an array', ...INVALID, body: `[${valid}]` },
    { name: 'an unknown field', ...INVALID, body: '{"status":"cancelled","total":0}' },
    { name: 'a userId field', ...INVALID, body: '{"status":"cancelled","userId":"1"}' },
    { name: '__proto__', ...INVALID, body: '{"status":"cancelled","__proto__":{"polluted":true}}' },
    {
      name: '__proto__ carrying the status',
      ...INVALID,
      body: '{"__proto__":{"status":"cancelled"}}',
    },
    {
      name: 'constructor.prototype',
      ...INVALID,
      body: '{"status":"cancelled","constructor":{"prototype":{"polluted":true}}}',
    },
    {
      name: 'a duplicate status key whose last value is invalid',
      ...INVALID,
      body: '{"status":"cancelled","status":"paid"}',
    },
  );
  return cases;
}

/**
 * Hostile bodies for `PATCH /api/orders/:id` (the valid one is `{"status":"cancelled"}`), each
 * with its exact answer for the order's owner: unreadable bodies, wrong types, statuses other
 * than `cancelled` or look-alikes of it, unknown and prototype-pollution keys.
 */
export const ORDER_UPDATE_CORPUS: readonly Hostile[] = patchCorpus();

/** A request path with the case's name. */
export interface HostilePath {
  readonly name: string;
  readonly path: string;
}

/**
 * Malformed and look-alike forms of `id` (an order the caller owns) as `/api/orders/<id>` paths,
 * each answered 404: case, dashes, braces, invisible and look-alike characters, encodings.
 */
export function hostileIds(id: string): HostilePath[] {
  const ids: Record<string, string> = {
    'upper case': id.toUpperCase(),
    'no dashes': id.replaceAll('-', ''),
    braces: `{${id}}`,
    'a urn:uuid: prefix': `urn:uuid:${id}`,
    'a trailing space': `${id} `,
    'a trailing NUL': `${id}\u0000`,
    'a trailing newline': `${id}\n`,
    'a zero-width space': `${id}\u200b`,
    'an RTL override': `\u202e${id}`,
    'a combining mark': `${id}\u0301`,
    'fullwidth digits': id.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))),
    'an emoji': `${id}🛒`,
    '10 KiB': 'a'.repeat(10 * 1024),
    'SQL injection': `${id}' OR '1'='1`,
    'a number': '1',
    'negative zero': '-0',
    'an unknown UUID': randomUUID(),
    'the nil UUID': '00000000-0000-0000-0000-000000000000',
  };
  const cases = Object.entries(ids).map(([name, value]) => ({
    name,
    path: `/api/orders/${encodeURIComponent(value)}`,
  }));
  cases.push(
    { name: 'a bare percent', path: `/api/orders/${id}%` },
    { name: 'a truncated percent escape', path: `/api/orders/${id}%E0%A4%A` },
    { name: 'an encoded invalid UTF-8 byte', path: `/api/orders/${id}%FF` },
    { name: 'an encoded slash', path: `/api/orders/..%2F${id}` },
    { name: 'an encoded NUL', path: `/api/orders/${id}%00` },
    { name: 'a lone surrogate as WTF-8 bytes', path: `/api/orders/${id}%ED%A0%80` },
  );
  return cases;
}
