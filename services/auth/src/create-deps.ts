import { createRedis, Lifecycle, type Logger } from '@shardgate/shared';
import type { AuthConfig } from './config.js';
import type { AuthDeps } from './deps.js';
import { AccessTokens } from './domain/access-tokens.js';
import { Accounts } from './domain/accounts.js';
import { IdentityState } from './domain/identity-state.js';
import { Mfa } from './domain/mfa.js';
import { asBusy, PasswordHasher } from './domain/password-hasher.js';
import { PasswordPolicy } from './domain/password-policy.js';
import { RateLimits } from './domain/rate-limits.js';
import { SecretBox } from './domain/secret-box.js';
import { Sessions } from './domain/sessions.js';
import { loadSigningKeys } from './domain/signing-keys.js';
import { HashProcess } from './hashing/hash-process.js';
import { AuthMetrics } from './metrics.js';
import { AuthDatabase } from './store/auth-database.js';
import { latestCleanupRuns } from './store/cleanup-store.js';
import { MfaChallengesStore } from './store/mfa-challenges-store.js';
import { SessionsStore } from './store/sessions-store.js';
import { TotpStore } from './store/totp-store.js';
import { UsersStore } from './store/users-store.js';

/** Builds every dependency of the auth app from its configuration (the composition root). */
export function createAuthDeps(config: AuthConfig, logger: Logger): AuthDeps {
  const metrics = new AuthMetrics();
  const db = new AuthDatabase(
    config.DATABASE_URL,
    config.DATABASE_REPLICA_URLS,
    config.DATABASE_POOL_SIZE,
    metrics.dbOperation,
  );
  metrics.followCleanupRuns(() => db.onPrimary('cleanup.latestRuns', latestCleanupRuns));
  const redis = createRedis(config.REDIS_URL, logger);
  const keys = loadSigningKeys({
    keysDir: config.AUTH_KEYS_DIR,
    inlineJwks: config.AUTH_SIGNING_KEYS,
    signingKid: config.AUTH_SIGNING_KID,
    generateIfMissing: config.AUTH_GENERATE_DEV_KEY,
  });
  const tokens = new AccessTokens(keys, {
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    cacheSize: config.TOKEN_CACHE_SIZE,
  });
  const hashing = new HashProcess({
    threads: config.BCRYPT_CONCURRENCY,
    queueLimit: config.BCRYPT_CONCURRENCY * config.BCRYPT_QUEUE_PER_THREAD,
    nice: config.BCRYPT_NICE,
    observe: metrics.bcryptOperation,
    observeQueue: metrics.bcryptQueue,
    observeRejected: metrics.bcryptRejected,
  });
  const users = new UsersStore(db);
  const sessionsStore = new SessionsStore(db);
  const state = new IdentityState(redis, users, sessionsStore, {
    localTtlMs: config.STATE_CACHE_TTL_MS,
    fallbackTtlMs: config.STATE_CACHE_FALLBACK_TTL_MS,
    syncIntervalMs: config.STATE_SYNC_INTERVAL_MS,
    cacheSize: config.STATE_CACHE_SIZE,
    redisTtlSeconds: config.REDIS_STATE_TTL_SECONDS,
    observe: metrics.cacheLookup,
  });
  const sessions = new Sessions(sessionsStore, tokens, state, logger, {
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
    reuseGraceSeconds: config.REFRESH_REUSE_GRACE_SECONDS,
  });
  const limits = new RateLimits(redis, {
    loginFailuresPerAccountIp: config.LOGIN_FAILURES_PER_ACCOUNT_IP,
    loginFailuresPerAccount: config.LOGIN_FAILURES_PER_ACCOUNT,
    loginFailuresPerIp: config.LOGIN_FAILURES_PER_IP,
    registrationsPerIp: config.REGISTRATIONS_PER_IP,
    mfaFailuresPerUser: config.MFA_FAILURES_PER_USER,
  });
  const accounts = new Accounts({
    users,
    hasher: new PasswordHasher(config.BCRYPT_COST, hashing),
    policy: new PasswordPolicy({
      minLength: config.PASSWORD_MIN_LENGTH,
      minScore: config.PASSWORD_MIN_SCORE,
      estimate: (password, userInputs) => hashing.strength(password, userInputs).catch(asBusy),
    }),
    limits,
    sessions,
    state,
    logger,
    observeLogin: metrics.loginOutcome,
  });
  const mfa = new Mfa({
    totp: new TotpStore(db),
    challenges: new MfaChallengesStore(db),
    users,
    box: new SecretBox(config.MFA_ENCRYPTION_KEY),
    limits,
    sessions,
    logger,
    issuer: config.TOTP_ISSUER,
  });
  return {
    config,
    logger,
    lifecycle: new Lifecycle(),
    metrics,
    db,
    redis,
    hashing,
    keys,
    tokens,
    state,
    sessions,
    accounts,
    mfa,
  };
}

/** Releases the connections of {@link createAuthDeps}. */
export async function closeAuthDeps(deps: AuthDeps): Promise<void> {
  deps.state.close();
  await deps.hashing.close();
  await deps.db.close();
  deps.redis.disconnect();
}
