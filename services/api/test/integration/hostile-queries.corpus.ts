import { randomUUID } from 'node:crypto';
import type { Outcome } from './hostile-input.corpus.js';
import { BAD_CURSOR, INVALID, INVALID_TEXT, json } from './hostile-input.corpus.js';

// GET /api/orders: hostile `limit` and `cursor` query parameters.

/** A list cursor as the API spells one: base64url of the JSON of `value`. */
export const encodeCursor = (value: unknown): string =>
  Buffer.from(json(value) ?? 'undefined').toString('base64url');

/** A hostile query string (without `?`) and the answer it must get. */
export interface HostileQuery extends Outcome {
  readonly name: string;
  readonly query: string;
}

function queryCorpus(): HostileQuery[] {
  const limits: Record<string, string> = {
    '0': '0',
    '101': '101',
    '-1': '-1',
    '1e2': '1e2',
    '0x10': '0x10',
    '1.0': '1.0',
    '0100 (four digits)': '0100',
    '99999999999999999999': '99999999999999999999',
    '2**53+1': '9007199254740993',
    Infinity: 'Infinity',
    NaN: 'NaN',
    'an empty value': '',
    'a leading space': '%201',
    'a trailing space': '1%20',
    'a plus sign': '%2B1',
    'an encoded NUL': '1%00',
    'fullwidth one': encodeURIComponent('１'),
    'Arabic-Indic one': encodeURIComponent('١'),
    'a combining mark': encodeURIComponent('1\u0301'),
    'an RTL override': encodeURIComponent('\u202e1'),
    'a zero-width joiner': encodeURIComponent('1\u200d0'),
    'an emoji': encodeURIComponent('💯'),
    'a bare percent': '%',
    'a truncated escape': '%E0%A4%A',
    'an encoded invalid UTF-8 byte': '%FF',
  };
  // a decoded U+0000 is refused before the parameters are judged (no text column can store it)
  const outcome = (value: string) => (value.includes('%00') ? INVALID_TEXT : INVALID);
  const cases: HostileQuery[] = Object.entries(limits).map(([name, value]) => ({
    name: `limit ${name}`,
    query: `limit=${value}`,
    ...outcome(value),
  }));
  cases.push(
    { name: 'limit twice', query: 'limit=1&limit=2', ...INVALID },
    { name: 'limit twice, same value', query: 'limit=5&limit=5', ...INVALID },
    { name: 'limit without a value', query: 'limit', ...INVALID },
    { name: 'cursor twice', query: `cursor=a&cursor=b`, ...INVALID },
    { name: 'a valid limit with an invalid one', query: 'limit=10&limit=abc', ...INVALID },
  );
  const uuid = randomUUID();
  const cursors: Record<string, string> = {
    'a word': 'nope',
    'base64url of {"t":1}': 'eyJ0IjoxfQ',
    'a non-date t': encodeCursor({ t: 'x', i: uuid }),
    'a non-UUID i': encodeCursor({ t: '2026-01-01T00:00:00.000Z', i: 'not-a-uuid' }),
    'an upper-case UUID': encodeCursor({ t: '2026-01-01T00:00:00.000Z', i: uuid.toUpperCase() }),
    'numbers for t and i': encodeCursor({ t: 0, i: 0 }),
    'an array': encodeCursor(['2026-01-01T00:00:00.000Z', uuid]),
    null: encodeCursor(null),
    'a JSON string': encodeCursor('cursor'),
    'not JSON inside': Buffer.from('{t:1').toString('base64url'),
    'base64 padding': `${encodeCursor({ t: '2026-01-01T00:00:00.000Z', i: uuid })}==`,
    'standard base64 characters': 'ab+/cd',
    '201 characters': 'a'.repeat(201),
    '10 KiB': 'a'.repeat(10 * 1024),
    'an encoded NUL': 'abc%00',
    'an emoji': encodeURIComponent('🧭'),
    'an RTL override': encodeURIComponent('\u202eabc'),
    'a zero-width joiner': encodeURIComponent('ab\u200dcd'),
    'a lone surrogate (WTF-8 bytes)': '%ED%A0%80',
    'a truncated escape': '%E0%A4%A',
    SQL: encodeURIComponent("' OR 1=1 --"),
    // well-formed but forged: dates JavaScript accepts and Postgres timestamps cannot hold
    'the earliest JavaScript date': encodeCursor({ t: '-271821-04-20T00:00:00.000Z', i: uuid }),
    'the last millisecond of 1 BC': encodeCursor({ t: '0000-12-31T23:59:59.999Z', i: uuid }),
    'a date before 4713 BC': encodeCursor({ t: '-010000-01-01T00:00:00.000Z', i: uuid }),
  };
  for (const [name, value] of Object.entries(cursors)) {
    cases.push({
      name: `cursor ${name}`,
      query: `cursor=${value}`,
      ...(value.includes('%00') ? INVALID_TEXT : BAD_CURSOR),
    });
  }
  return cases;
}

/**
 * Hostile query strings for `GET /api/orders`, each with its exact answer: limits that are not
 * plain integers from 1 to 100 (or repeated), cursors that are malformed, forged, or dates
 * Postgres cannot hold.
 */
export const QUERY_CORPUS: readonly HostileQuery[] = queryCorpus();
