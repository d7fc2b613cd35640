import { createHash } from 'node:crypto';

/**
 * JSON with every object's keys sorted, so that two equal values give the same text whatever order
 * their keys were built in. `undefined` members are left out, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) => {
    if (member === null || typeof member !== 'object' || Array.isArray(member)) return member;
    const record = member as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, record[key]]),
    );
  });
}

/**
 * The first `length` hex digits of the SHA-256 of {@link canonicalJson}: a deterministic name
 * suffix, so synthesis stays byte-for-byte stable and a changed value gets a new name.
 *
 * @throws RangeError when `length` is not between 1 and 64.
 */
export function stableHash(value: unknown, length = 8): string {
  if (!Number.isInteger(length) || length < 1 || length > 64) {
    throw new RangeError(`stableHash: length must be an integer from 1 to 64, got ${length}`);
  }
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}
