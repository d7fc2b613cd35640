import { ExpiringCache } from '@shardgate/shared';
import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../src/domain/email.js';
import {
  hashRefreshToken,
  isRefreshTokenShaped,
  newRefreshToken,
} from '../../src/domain/refresh-token-value.js';
import { Semaphore } from '../../src/domain/semaphore.js';

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

describe('Semaphore', () => {
  it('never runs more tasks at once than it has permits, and keeps FIFO order', async () => {
    const gate = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        gate.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          order.push(i);
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    await expect(gate.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await gate.run(async () => 7)).toBe(7);
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
