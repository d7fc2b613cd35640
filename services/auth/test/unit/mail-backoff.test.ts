import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/domain/mail-backoff.js';

const policy = { baseMs: 1_000, maxMs: 60_000 };

describe('retryDelayMs', () => {
  it('doubles from the base at each attempt, up to the cap', () => {
    // random 1 (just under: [0, 1)) gives the whole planned wait, random 0 half of it
    const whole = (attempt: number) => retryDelayMs(attempt, policy, () => 0.999_999_9);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(whole)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]);
    expect(retryDelayMs(1_000_000, policy, () => 0.999_999_9)).toBe(60_000);
  });

  it('keeps half of the wait fixed and draws the other half', () => {
    expect(retryDelayMs(3, policy, () => 0)).toBe(2_000);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(3_000);
    for (let i = 0; i < 1_000; i++) {
      const delay = retryDelayMs(4, policy);
      expect(delay).toBeGreaterThanOrEqual(4_000);
      expect(delay).toBeLessThanOrEqual(8_000);
    }
  });

  it('spreads the retries of mail that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(5, policy)));
    expect(delays.size).toBeGreaterThan(40);
  });

  it('treats an attempt below 1 as the first', () => {
    expect(retryDelayMs(0, policy, () => 0)).toBe(500);
    expect(retryDelayMs(-3, policy, () => 0)).toBe(500);
  });
});
