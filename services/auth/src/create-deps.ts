import { createRedis, Lifecycle, type Logger } from '@shardgate/shared';
import type { AuthConfig } from './config.js';
import type { AuthDeps } from './deps.js';
import { AccessTokens } from './domain/access-tokens.js';
import { Accounts } from './domain/accounts.js';
import { EmailVerification } from './domain/email-verification.js';
import { IdentityState } from './domain/identity-state.js';
import { MailDelivery } from './domain/mail-delivery.js';
import { MailOutbox } from './domain/mail-outbox.js';
import { MailSeal } from './domain/mail-seal.js';
import { Mfa } from './domain/mfa.js';
import { asBusy, PasswordHasher } from './domain/password-hasher.js';
import { PasswordPolicy } from './domain/password-policy.js';
import { PasswordReset } from './domain/password-reset.js';
import { RateLimits } from './domain/rate-limits.js';
import { SecretBox } from './domain/secret-box.js';
import { Sessions } from './domain/sessions.js';
import { loadSigningKeys } from './domain/signing-keys.js';
import { HashProcess } from './hashing/hash-process.js';
import { SmtpMailer } from './mail/smtp-mailer.js';
import { AuthMetrics } from './metrics.js';
import { AuthDatabase } from './store/auth-database.js';
import { latestCleanupRuns } from './store/cleanup-store.js';
import { MailOutboxStore } from './store/mail-outbox-store.js';
import { MfaChallengesStore } from './store/mfa-challenges-store.js';
import { OneTimeTokensStore } from './store/one-time-tokens-store.js';
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
  const hasher = new PasswordHasher(config.BCRYPT_COST, hashing);
  const policy = new PasswordPolicy({
    minLength: config.PASSWORD_MIN_LENGTH,
    minScore: config.PASSWORD_MIN_SCORE,
    estimate: (password, userInputs) => hashing.strength(password, userInputs).catch(asBusy),
  });
  const limits = new RateLimits(redis, {
    loginFailuresPerAccountIp: config.LOGIN_FAILURES_PER_ACCOUNT_IP,
    loginFailuresPerAccount: config.LOGIN_FAILURES_PER_ACCOUNT,
    loginFailuresPerIp: config.LOGIN_FAILURES_PER_IP,
    registrationsPerIp: config.REGISTRATIONS_PER_IP,
    passwordResetsPerAddress: config.PASSWORD_RESETS_PER_ADDRESS,
    passwordResetsPerIp: config.PASSWORD_RESETS_PER_IP,
    verificationMailsPerUser: config.VERIFICATION_MAILS_PER_USER,
    mfaFailuresPerUser: config.MFA_FAILURES_PER_USER,
  });
  const accounts = new Accounts({
    users,
    hasher,
    policy,
    limits,
    sessions,
    state,
    logger,
    observeLogin: metrics.loginOutcome,
  });
  const outboxStore = new MailOutboxStore(db);
  metrics.watchMailBacklog(() => outboxStore.backlog());
  // the bodies of pending mail hold live link tokens: sealed at rest (docs/decisions.md, "Mail")
  const mailSeal = new MailSeal(config.MFA_ENCRYPTION_KEY);
  const mailDelivery = createMailDelivery(config, logger, outboxStore, mailSeal, metrics);
  const mail = new MailOutbox(outboxStore, mailSeal, () => mailDelivery?.wake());
  mailDelivery?.start();
  const lifecycle = new Lifecycle();
  // at SIGTERM, not after the HTTP drain: no new mail is claimed while requests finish, and a send
  // in flight is bounded by MAIL_SHUTDOWN_TIMEOUT_MS, well within the pod's grace period
  // (a failure is rethrown where closeAuthDeps awaits the same stop; here it is only logged)
  lifecycle.onShutdown(() => {
    mailDelivery?.stop().catch((error: unknown) => {
      logger.error({ err: error }, 'mail delivery did not stop cleanly');
    });
  });
  const oneTimeTokens = new OneTimeTokensStore(db);
  const emailVerification = new EmailVerification({
    db,
    tokens: oneTimeTokens,
    users,
    mail,
    state,
    limits,
    logger,
    ttlSeconds: config.EMAIL_VERIFICATION_TTL_SECONDS,
    linkUrl: config.EMAIL_VERIFICATION_URL,
  });
  const passwordReset = new PasswordReset({
    db,
    tokens: oneTimeTokens,
    users,
    sessions: sessionsStore,
    hasher,
    policy,
    mail,
    state,
    limits,
    logger,
    ttlSeconds: config.PASSWORD_RESET_TTL_SECONDS,
    linkUrl: config.PASSWORD_RESET_URL,
  });
  const mfa = new Mfa({
    totp: new TotpStore(db),
    challenges: new MfaChallengesStore(db),
    users,
    passwords: accounts,
    box: new SecretBox(config.MFA_ENCRYPTION_KEY),
    limits,
    sessions,
    logger,
    issuer: config.TOTP_ISSUER,
  });
  return {
    config,
    logger,
    lifecycle,
    metrics,
    db,
    redis,
    hashing,
    keys,
    tokens,
    state,
    sessions,
    accounts,
    emailVerification,
    passwordReset,
    mail,
    mailDelivery,
    mfa,
  };
}

/**
 * The outbox's delivery loop over SMTP, or null without SMTP_HOST: then this process only
 * enqueues, and says so once at start, since mail that nobody sends is an outage of its own.
 */
function createMailDelivery(
  config: AuthConfig,
  logger: Logger,
  store: MailOutboxStore,
  seal: MailSeal,
  metrics: AuthMetrics,
): MailDelivery | null {
  if (config.SMTP_HOST === undefined || config.MAIL_FROM === undefined) {
    logger.warn('SMTP_HOST is not set: mail is kept in the outbox and not sent by this process');
    return null;
  }
  const mailer = new SmtpMailer({
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    tls: config.SMTP_TLS,
    user: config.SMTP_USER,
    password: config.SMTP_PASSWORD,
    from: config.MAIL_FROM,
    connectionTimeoutMs: config.SMTP_CONNECTION_TIMEOUT_MS,
    greetingTimeoutMs: config.SMTP_GREETING_TIMEOUT_MS,
    socketTimeoutMs: config.SMTP_SOCKET_TIMEOUT_MS,
  });
  return new MailDelivery(
    store,
    seal,
    mailer,
    logger,
    {
      maxAttempts: config.MAIL_MAX_ATTEMPTS,
      backoff: { baseMs: config.MAIL_RETRY_BASE_MS, maxMs: config.MAIL_RETRY_MAX_MS },
      pollIntervalMs: config.MAIL_POLL_INTERVAL_MS,
      batchSize: config.MAIL_BATCH_SIZE,
      // a send is abandoned at half the lease: a slow send never outlives its claim
      leaseMs: 2 * config.MAIL_SEND_TIMEOUT_MS,
      shutdownTimeoutMs: config.MAIL_SHUTDOWN_TIMEOUT_MS,
    },
    metrics.mail,
  );
}

/**
 * Releases the connections of {@link createAuthDeps}. The delivery loop stops first (its stop
 * began at the signal already, when there was one): the mail in flight finishes or is released.
 */
export async function closeAuthDeps(deps: AuthDeps): Promise<void> {
  await deps.passwordReset.settle();
  await deps.mailDelivery?.stop();
  deps.state.close();
  await deps.hashing.close();
  await deps.db.close();
  deps.redis.disconnect();
}
