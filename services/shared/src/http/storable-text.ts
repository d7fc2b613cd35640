import type { Context } from 'koa';
import { HttpError } from './http-error.js';
import { COMMON_PROBLEMS } from './problems.js';

/**
 * U+0000, which no Postgres `text` value can hold (the insert fails with SQLSTATE 22021), and a
 * lone UTF-16 surrogate (JSON's `"\ud800"`), which has no UTF-8 form: the driver would store
 * U+FFFD in its place, a silent change of what the client sent.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether `text` can be stored and read back unchanged by Postgres (and compared by bcrypt). */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/** Longest field path a problem's detail repeats: a property name may be 64 KiB long. */
const MAX_SHOWN = 100;

function refuse(where: string): never {
  const shown = where.length > MAX_SHOWN ? `${where.slice(0, MAX_SHOWN)}…` : where;
  throw new HttpError(
    COMMON_PROBLEMS.invalid_text,
    `${shown} holds U+0000 or a lone surrogate, which no text can store.`,
  );
}

/**
 * Refuses (400 `invalid_text`) a parsed JSON value with such a character in any string or
 * property name, naming where (never the value). Walks with its own stack: a 64 KiB body may
 * nest tens of thousands of arrays, more than the call stack holds.
 */
export function assertStorableJson(value: unknown): void {
  const pending: Array<[unknown, string]> = [[value, '(body)']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, where] = next;
    if (typeof item === 'string') {
      if (!isStorableText(item)) refuse(where);
    } else if (Array.isArray(item)) {
      item.forEach((element, index) => {
        pending.push([element, `${where}[${index}]`]);
      });
    } else if (item !== null && typeof item === 'object') {
      for (const [key, element] of Object.entries(item)) {
        // a key is shown only when it is itself storable (it may be the culprit)
        const path = where === '(body)' ? key : `${where}.${key}`;
        if (!isStorableText(key)) refuse(`A property name under ${where}`);
        pending.push([element, path]);
      }
    }
  }
}

/**
 * The request's query parameters as Koa parses them, after refusing (400 `invalid_text`) a name
 * or value with such a character.
 */
export function storableQuery(ctx: Context): Record<string, string | string[] | undefined> {
  const query = { ...ctx.query };
  for (const [name, value] of Object.entries(query)) {
    if (!isStorableText(name)) refuse('A query parameter name');
    for (const one of Array.isArray(value) ? value : [value ?? '']) {
      if (!isStorableText(one)) refuse(`The query parameter ${name}`);
    }
  }
  return query;
}
