import { ExpiringCache } from '@shardgate/shared';
import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../src/domain/email.js';
import {
  hashRefreshToken,
  isRefreshTokenShaped,
  newRefreshToken,
} from '../../src/domain/refresh-token-value.js';

describe('ExpiringCache', () => {
  it('expires entries at their time and evicts the oldest beyond its size', () => {
    let now = 0;
    const cache = new ExpiringCache<number>(2, () => now);
    cache.set('a', 1, 100);
    cache.set('b', 2, 50);
    expect(cache.get('a')).toBe(1);
    now = 60;
    expect(cache.get('b')).toBeUndefined();
    cache.set('c', 3, 1_000);
    cache.set('d', 4, 1_000);
    expect([cache.get('a'), cache.get('c'), cache.get('d'), cache.size]).toEqual([
      undefined,
      3,
      4,
      2,
    ]);
    const none = new ExpiringCache<number>(0);
    none.set('x', 1, Number.MAX_SAFE_INTEGER);
    expect(none.get('x')).toBeUndefined();
  });
});

describe('refresh token values and emails', () => {
  it('makes 256-bit base64url tokens, stores only their SHA-256, and normalises emails', () => {
    const token = newRefreshToken();
    expect(isRefreshTokenShaped(token)).toBe(true);
    expect(newRefreshToken()).not.toBe(token);
    expect(hashRefreshToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRefreshToken(token)).not.toContain(token);
    expect(isRefreshTokenShaped(`${token}x`)).toBe(false);
    expect(normalizeEmail('  Ann@Example.COM ')).toBe('ann@example.com');
    expect(normalizeEmail('Zoe\u0301@x.io')).toBe('zo\u00e9@x.io');
  });
});
