/** The waits between delivery attempts (MAIL_RETRY_BASE_MS, MAIL_RETRY_MAX_MS). */
export interface BackoffPolicy {
  /** The wait after the first failed attempt, before jitter. */
  readonly baseMs: number;
  /** No wait is longer. */
  readonly maxMs: number;
}

/**
 * How long to wait after failed attempt number `attempt` (1 for the first): `baseMs` doubled at
 * each attempt, at most `maxMs`, then "equal jitter": half of it fixed, the other half random. The
 * jitter spreads the retries of mail that failed together (an SMTP outage) over time, so that
 * the server that comes back is not hit by all of them at once; the fixed half keeps a retry from
 * coming almost at once.
 *
 * @param random a number in [0, 1), injected in tests
 * @example
 * retryDelayMs(3, { baseMs: 30_000, maxMs: 3_600_000 }); // between 60 and 120 seconds
 */
export function retryDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2 ** 1075 is Infinity; Math.min keeps the cap whatever the attempt
  const planned = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(planned / 2 + (random() * planned) / 2);
}
