import { ExpiringCache } from '@shardgate/shared';
import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../src/domain/email.js';
import {
  hashSecretToken,
  isSecretTokenShaped,
  newSecretToken,
} from '../../src/domain/secret-token.js';

describe('ExpiringCache', () => {
  it('expires entries at their time; when full, drops expired entries, else keeps what it has', () => {
    let now = 0;
    const cache = new ExpiringCache<number>(2, () => now);
    expect(cache.set('a', 1, 100)).toBe(true);
    expect(cache.set('b', 2, 50)).toBe(true);
    expect(cache.get('a')).toBe(1);
    now = 60;
    expect(cache.get('b')).toBeUndefined();
    expect(cache.set('c', 3, 1_000)).toBe(true);
    // full of live entries: the newcomer is not admitted, nothing is evicted
    expect(cache.set('d', 4, 1_000)).toBe(false);
    expect([cache.get('a'), cache.get('c'), cache.get('d'), cache.size]).toEqual([
      1,
      3,
      undefined,
      2,
    ]);
    // storing a key it holds is an update, full or not
    expect(cache.set('a', 5, 1_000)).toBe(true);
    expect(cache.get('a')).toBe(5);
    // once the oldest has expired it makes room, without anyone reading it first
    const aging = new ExpiringCache<number>(2, () => now);
    aging.set('x', 1, 100);
    aging.set('y', 2, 1_000);
    now = 100;
    expect(aging.set('z', 3, 1_000)).toBe(true);
    expect([aging.get('y'), aging.get('z'), aging.size]).toEqual([2, 3, 2]);
    const none = new ExpiringCache<number>(0);
    expect(none.set('x', 1, Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(none.get('x')).toBeUndefined();
  });

  it('hits its share of a set larger than itself requested in rotation', () => {
    const cache = new ExpiringCache<number>(100, () => 0);
    let hits = 0;
    for (let round = 0; round < 5; round++) {
      for (let key = 0; key < 110; key++) {
        if (cache.get(String(key)) === undefined) cache.set(String(key), key, 1_000);
        else if (round > 0) hits++;
      }
    }
    // evicting the oldest would hit nothing here; keeping what it has hits 100 of 110 per round
    expect(hits).toBe(4 * 100);
  });
});

describe('refresh token values and emails', () => {
  it('makes 256-bit base64url tokens, stores only their SHA-256, and normalises emails', () => {
    const token = newSecretToken();
    expect(isSecretTokenShaped(token)).toBe(true);
    expect(newSecretToken()).not.toBe(token);
    expect(hashSecretToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecretToken(token)).not.toContain(token);
    expect(isSecretTokenShaped(`${token}x`)).toBe(false);
    expect(normalizeEmail('  Ann@Example.COM ')).toBe('ann@example.com');
    expect(normalizeEmail('Zoe\u0301@x.io')).toBe('zo\u00e9@x.io');
  });
});
