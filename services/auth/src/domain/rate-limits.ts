import type { Redis } from '@shardgate/shared';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Limits of {@link RateLimits}; see docs/api/auth.md for the policy. */
export interface RateLimitOptions {
  readonly loginFailuresPerAccountIp: number;
  readonly loginFailuresPerAccount: number;
  readonly loginFailuresPerIp: number;
  readonly registrationsPerIp: number;
  readonly passwordResetsPerAddress: number;
  readonly passwordResetsPerIp: number;
  readonly verificationMailsPerUser: number;
  /** Wrong MFA codes per user per 15 minutes. */
  readonly mfaFailuresPerUser: number;
}

function limiter(
  redis: Redis,
  keyPrefix: string,
  points: number,
  duration: number,
): RateLimiterRedis {
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `auth:rl:${keyPrefix}`,
    points,
    duration,
    // while Redis is down each process counts on its own, so limits still hold (per process)
    insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
  });
}

/**
 * The auth service's rate limits, counted in Redis:
 * failed logins per (account, IP) per 15 min, per account per hour and per IP per hour;
 * registrations per IP per hour; password reset requests per address and per IP per hour;
 * verification mails per user per hour; wrong MFA codes per user per 15 min. A blocked caller
 * gets the time to wait.
 *
 * Only failures count towards login limits, and a success clears the (account, IP) counter: so
 * someone else's failures from another IP block an account only when they reach the much larger
 * per-account limit.
 */
export class RateLimits {
  readonly #accountIp: RateLimiterRedis;
  readonly #account: RateLimiterRedis;
  readonly #ip: RateLimiterRedis;
  readonly #register: RateLimiterRedis;
  readonly #resetAddress: RateLimiterRedis;
  readonly #resetIp: RateLimiterRedis;
  readonly #verificationMail: RateLimiterRedis;
  readonly #mfa: RateLimiterRedis;

  constructor(redis: Redis, options: RateLimitOptions) {
    this.#accountIp = limiter(
      redis,
      'login-account-ip',
      options.loginFailuresPerAccountIp,
      15 * 60,
    );
    this.#account = limiter(redis, 'login-account', options.loginFailuresPerAccount, 60 * 60);
    this.#ip = limiter(redis, 'login-ip', options.loginFailuresPerIp, 60 * 60);
    this.#register = limiter(redis, 'register-ip', options.registrationsPerIp, 60 * 60);
    this.#resetAddress = limiter(redis, 'reset-address', options.passwordResetsPerAddress, 60 * 60);
    this.#resetIp = limiter(redis, 'reset-ip', options.passwordResetsPerIp, 60 * 60);
    this.#verificationMail = limiter(
      redis,
      'verification-mail',
      options.verificationMailsPerUser,
      60 * 60,
    );
    this.#mfa = limiter(redis, 'mfa-user', options.mfaFailuresPerUser, 15 * 60);
  }

  /**
   * Takes one of the user's MFA attempts before a code is checked: counted atomically in Redis, so
   * guesses sent in parallel each use one, whatever the challenge or address (whoever guesses
   * already has the password). The milliseconds to wait when none is left, else 0.
   */
  takeMfaAttempt(userId: number): Promise<number> {
    return attempt(this.#mfa, String(userId));
  }

  /** Gives back the attempt of a code that was right: only wrong codes count. */
  async refundMfaAttempt(userId: number): Promise<void> {
    await this.#mfa.reward(String(userId), 1).catch(() => undefined);
  }

  /** Milliseconds to wait before this login may be attempted; 0 when allowed. */
  async loginBlockedFor(email: string, ip: string): Promise<number> {
    const checks = await Promise.all([
      blockedFor(this.#accountIp, `${email}|${ip}`),
      blockedFor(this.#account, email),
      blockedFor(this.#ip, ip),
    ]);
    return Math.max(...checks);
  }

  /** Counts a failed login against every limit. */
  async recordLoginFailure(email: string, ip: string): Promise<void> {
    await Promise.all([
      consume(this.#accountIp, `${email}|${ip}`),
      consume(this.#account, email),
      consume(this.#ip, ip),
    ]);
  }

  /** Clears the (account, IP) failures after a successful login. */
  async recordLoginSuccess(email: string, ip: string): Promise<void> {
    await this.#accountIp.delete(`${email}|${ip}`).catch(() => undefined);
  }

  /** Counts a registration attempt; returns the milliseconds to wait when over the limit, else 0. */
  registrationBlockedFor(ip: string): Promise<number> {
    return attempt(this.#register, ip);
  }

  /**
   * Counts a password reset request against its address and its IP (the address counts whether
   * or not it has an account, so the limit tells nothing); the milliseconds to wait, else 0.
   */
  async passwordResetBlockedFor(email: string, ip: string): Promise<number> {
    const waits = await Promise.all([
      attempt(this.#resetAddress, email),
      attempt(this.#resetIp, ip),
    ]);
    return Math.max(...waits);
  }

  /** Counts a verification mail a user asked for; the milliseconds to wait, else 0. */
  verificationMailBlockedFor(userId: number): Promise<number> {
    return attempt(this.#verificationMail, String(userId));
  }
}

/** Consumes one point; the milliseconds to wait when over the limit, else 0. */
async function attempt(rateLimiter: RateLimiterRedis, key: string): Promise<number> {
  try {
    await rateLimiter.consume(key);
    return 0;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return Math.max(1, rejection.msBeforeNext);
    return 0; // the store failed even with its insurance: do not lock everyone out
  }
}

async function blockedFor(rateLimiter: RateLimiterRedis, key: string): Promise<number> {
  try {
    const state = await rateLimiter.get(key);
    return state !== null && state.consumedPoints >= rateLimiter.points
      ? Math.max(1, state.msBeforeNext)
      : 0;
  } catch {
    return 0;
  }
}

async function consume(rateLimiter: RateLimiterRedis, key: string): Promise<void> {
  await rateLimiter.consume(key).catch(() => undefined); // over the limit is expected here
}
