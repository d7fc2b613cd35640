import { HttpError } from '@shardgate/shared';
import { API_PROBLEMS } from '../problems.js';
import type { OrderCursor } from '../types/orders.js';

/** Orders are never older than the epoch nor newer than Postgres and ISO 8601 years allow. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opaque to clients: base64url of `{t, i}`. */
export function encodeCursor(cursor: OrderCursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.createdAt.toISOString(), i: cursor.id })).toString(
    'base64url',
  );
}

/** @throws 400 `invalid_cursor` for anything {@link encodeCursor} did not make. */
export function decodeCursor(value: string): OrderCursor {
  const invalid = () =>
    new HttpError(API_PROBLEMS.invalid_cursor, 'The cursor is not one this API issued.');
  if (value.length > 200 || !/^[A-Za-z0-9_-]+$/.test(value)) throw invalid();
  try {
    const { t, i } = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as {
      t?: unknown;
      i?: unknown;
    };
    const createdAt = new Date(String(t));
    const time = createdAt.getTime();
    const inRange = time >= EARLIEST && time <= LATEST; // false for NaN too
    if (typeof t !== 'string' || !inRange || typeof i !== 'string' || !UUID.test(i))
      throw invalid();
    return { createdAt, id: i };
  } catch {
    throw invalid();
  }
}
