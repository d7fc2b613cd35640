import type { Hostile } from './hostile-input.corpus.js';
import {
  escapedTextOutcome,
  INVALID,
  json,
  TYPED_VALUES,
  unreadableBodies,
  utf8Header,
  VALID_ORDER,
  withMember,
} from './hostile-input.corpus.js';

// POST /api/orders: every case names the one thing it breaks in an otherwise valid order.

/** `VALID_ORDER` with the first item's members replaced (raw JSON text for each value). */
function orderWithItem(members: Record<string, string | undefined>): string {
  const item: Record<string, string> = { sku: '"MUG-01"', quantity: '2', unitPriceCents: '1250' };
  for (const [k, v] of Object.entries(members)) {
    if (v === undefined) delete item[k];
    else item[k] = v;
  }
  const text = Object.entries(item)
    .map(([k, v]) => `${json(k)}:${v}`)
    .join(',');
  return `{"items":[{${text}}],"currency":"EUR"}`;
}

/** `VALID_ORDER` with `currency` as raw JSON text. */
const orderWithCurrency = (raw: string) =>
  `{"items":[{"sku":"MUG-01","quantity":2,"unitPriceCents":1250}],"currency":${raw}}`;

/** Numbers no quantity or price may be: too large, negative, fractional, or not numbers. */
const HUGE_NUMBERS: Record<string, string> = {
  '1e308': '1e308',
  '2**53+1': '9007199254740993',
  '2**31': '2147483648',
  '1e999 (Infinity)': '1e999',
  '-1e999 (-Infinity)': '-1e999',
  '"NaN" as a string': '"NaN"',
  '"Infinity" as a string': '"Infinity"',
  '-1': '-1',
  '-2**53': '-9007199254740992',
  '0.5': '0.5',
  '1.5': '1.5',
  '1.0000001': '1.0000001',
  '1e-7': '1e-7',
};

function orderCorpus(): Hostile[] {
  const valid = json(VALID_ORDER);
  const cases: Hostile[] = [...unreadableBodies(valid)];
  // wrong types at every field
  for (const [what, raw] of Object.entries(TYPED_VALUES)) {
    cases.push({ name: `the body as ${what}`, ...INVALID, body: raw });
    cases.push({ name: `items as ${what}`, ...INVALID, body: `{"items":${raw},"currency":"EUR"}` });
    cases.push({
      name: `an item as ${what}`,
      ...INVALID,
      body: `{"items":[${raw}],"currency":"EUR"}`,
    });
    if (raw !== '"2"')
      cases.push({ name: `sku as ${what}`, ...INVALID, body: orderWithItem({ sku: raw }) });
    if (raw !== '2') {
      cases.push({
        name: `quantity as ${what}`,
        ...INVALID,
        body: orderWithItem({ quantity: raw }),
      });
      cases.push({
        name: `unitPriceCents as ${what}`,
        ...INVALID,
        body: orderWithItem({ unitPriceCents: raw }),
      });
    }
    cases.push({ name: `currency as ${what}`, ...INVALID, body: orderWithCurrency(raw) });
  }
  for (const field of ['sku', 'quantity', 'unitPriceCents']) {
    cases.push({ name: `no ${field}`, ...INVALID, body: orderWithItem({ [field]: undefined }) });
  }
  cases.push(
    { name: 'no items', ...INVALID, body: '{"currency":"EUR"}' },
    { name: 'no currency', ...INVALID, body: json({ items: VALID_ORDER.items }) },
    { name: 'an empty object', ...INVALID, body: '{}' },
    { name: 'the valid order wrapped in an array', ...INVALID, body: `[${valid}]` },
    { name: 'the valid order as a JSON string', ...INVALID, body: json(valid) },
  );
  // huge numbers, negative, zero and fractional quantities and prices
  for (const [what, raw] of Object.entries(HUGE_NUMBERS)) {
    cases.push({ name: `quantity ${what}`, ...INVALID, body: orderWithItem({ quantity: raw }) });
    cases.push({
      name: `unitPriceCents ${what}`,
      ...INVALID,
      body: orderWithItem({ unitPriceCents: raw }),
    });
  }
  cases.push(
    { name: 'quantity 0', ...INVALID, body: orderWithItem({ quantity: '0' }) },
    { name: 'quantity -0', ...INVALID, body: orderWithItem({ quantity: '-0' }) },
    { name: 'quantity 1001', ...INVALID, body: orderWithItem({ quantity: '1001' }) },
    {
      name: 'quantity 1e-400 (underflows to 0)',
      ...INVALID,
      body: orderWithItem({ quantity: '1e-400' }),
    },
    {
      name: 'unitPriceCents 100000001',
      ...INVALID,
      body: orderWithItem({ unitPriceCents: '100000001' }),
    },
    {
      name: 'unitPriceCents -1e-300',
      ...INVALID,
      body: orderWithItem({ unitPriceCents: '-1e-300' }),
    },
    {
      name: 'unitPriceCents 9.99 (euros, not cents)',
      ...INVALID,
      body: orderWithItem({ unitPriceCents: '9.99' }),
    },
    {
      name: '101 items',
      ...INVALID,
      body: json({
        ...VALID_ORDER,
        items: Array.from({ length: 101 }, () => VALID_ORDER.items[0]),
      }),
    },
  );
  // unknown fields and prototype-pollution keys
  const unknownMembers: Record<string, string> = {
    'an unknown field': '"discount":50',
    'a totalCents field': '"totalCents":0',
    'a status field': '"status":"paid"',
    'a userId field': '"userId":"1"',
    'an empty key': '"":1',
    'an emoji key': '"🔑":1',
    __proto__: '"__proto__":{"polluted":true}',
    constructor: '"constructor":{"prototype":{"polluted":true}}',
    prototype: '"prototype":{"polluted":true}',
    toString: '"toString":"x"',
    hasOwnProperty: '"hasOwnProperty":1',
  };
  for (const [what, member] of Object.entries(unknownMembers)) {
    cases.push({ name: `${what} on the order`, ...INVALID, body: withMember(valid, member) });
    cases.push({
      name: `${what} on an item`,
      ...INVALID,
      body: `{"items":[{${member},"sku":"MUG-01","quantity":2,"unitPriceCents":1250}],"currency":"EUR"}`,
    });
  }
  cases.push(
    {
      name: 'a duplicate currency key whose last value is invalid',
      ...INVALID,
      body: `{"currency":"EUR",${valid.slice(1, -1)},"currency":"eur"}`,
    },
    {
      name: 'a duplicate quantity key whose last value is invalid',
      ...INVALID,
      body: orderWithItem({ quantity: '2,"quantity":-2' }),
    },
  );
  // odd unicode
  const skus: Record<string, string> = {
    'a lone high surrogate': '\\ud800',
    'a lone low surrogate': 'MUG\\udc00',
    'an RTL override': '\u202eMUG-01',
    'a zero-width joiner': 'MUG\u200d01',
    'a zero-width space': 'MUG\u200b01',
    'a combining mark': 'MUG-01\u0301',
    'an emoji': '🛒',
    'an emoji ZWJ sequence': 'MUG-👩‍👩‍👧',
    'fullwidth letters': 'ＭＵＧ-01',
    'a Cyrillic homoglyph': 'MUG-0\u04301',
    'an escaped NUL': 'MUG\\u0000',
    'a newline': 'MUG\\n01',
    'a leading space': ' MUG-01',
    'a leading dot': '.MUG',
    'a path traversal': '../etc/passwd',
    SQL: "MUG'; DROP TABLE orders;--",
    'an empty string': '',
    '65 characters': 'M'.repeat(65),
    'a BOM': '\uFEFFMUG-01',
  };
  for (const [what, sku] of Object.entries(skus)) {
    cases.push({
      name: `a sku with ${what}`,
      ...escapedTextOutcome(INVALID, sku),
      body: orderWithItem({ sku: `"${sku}"` }),
    });
  }
  const currencies: Record<string, string> = {
    'lower case': 'eur',
    'a trailing space': 'EUR ',
    'a trailing NUL': 'EUR\\u0000',
    'a lone surrogate': 'EU\\udfff',
    'a zero-width joiner': 'EU\u200dR',
    'an RTL override': '\u202eRUE',
    'a combining mark': 'E\u0301UR',
    'fullwidth letters': 'ＥＵＲ',
    'the euro sign': '€',
    'an emoji': '💶',
    'a Cyrillic homoglyph': 'ЕUR',
    'two letters': 'EU',
    'four letters': 'EURO',
    'an unknown code': 'XYZ',
    'an empty string': '',
  };
  for (const [what, currency] of Object.entries(currencies)) {
    cases.push({
      name: `a currency with ${what}`,
      ...escapedTextOutcome(INVALID, currency),
      body: orderWithCurrency(`"${currency}"`),
    });
  }
  // odd headers, with a valid body: the key is checked before anything is written
  const keys: Record<string, string> = {
    '10 KiB': 'k'.repeat(10 * 1024),
    '256 characters': 'k'.repeat(256),
    '10 KiB of emoji (UTF-8 bytes)': utf8Header('🔑'.repeat(2560)),
    'Cyrillic (UTF-8 bytes)': utf8Header('ключ-42'),
    'an RTL override (UTF-8 bytes)': utf8Header('key\u202e42'),
    'a zero-width joiner (UTF-8 bytes)': utf8Header('key\u200d42'),
    'a combining mark (UTF-8 bytes)': utf8Header('ke\u0301y'),
    'latin1 letters': 'clé-ünïcode',
    'a tab inside': 'key\t42',
  };
  for (const [what, key] of Object.entries(keys)) {
    cases.push({
      name: `Idempotency-Key with ${what}`,
      ...INVALID,
      body: valid,
      headers: { 'idempotency-key': key },
    });
  }
  return cases;
}

/**
 * Hostile bodies for `POST /api/orders`, each with its exact answer: unreadable bodies, wrong
 * types at every field, huge, negative and fractional numbers, unknown and prototype-pollution
 * keys, odd unicode in skus and currencies, odd Idempotency-Keys. All are refused before anything
 * is written.
 */
export const ORDER_CORPUS: readonly Hostile[] = orderCorpus();
