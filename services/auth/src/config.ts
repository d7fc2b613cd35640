import { availableParallelism } from 'node:os';
import { loadConfig, postgresUrl, postgresUrlList, serviceSettings } from '@shardgate/shared';
import { z } from 'zod';
import { DEVELOPMENT_MFA_KEY } from './domain/secret-box.js';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const optionalBool = () =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1'));

/** How to make an MFA_ENCRYPTION_KEY, for the error that asks for one. */
const KEY_HINT = "generate one with: openssl rand -base64 32 | tr '+/' '-_' | tr -d '='";

/**
 * The auth service's settings, read once from the environment at start.
 * Every variable is documented in docs/configuration.md.
 */
export const configSchema = z
  .object({
    /** `production` turns off development conveniences (generated signing keys). */
    NODE_ENV: z.enum(['development', 'test', 'production']).default('production'),
    ...serviceSettings,

    /** The auth database's primary: every write and every read that must see a fresh write. */
    DATABASE_URL: postgresUrl(),
    /** Streaming replicas (comma-separated) for reads that may be a little stale. */
    DATABASE_REPLICA_URLS: postgresUrlList(),
    /** Connections per database pool. */
    DATABASE_POOL_SIZE: int(1, 100, 10),
    /** Redis: user-state cache, revocations, rate limits. */
    REDIS_URL: z
      .string()
      .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL'),

    /** `iss` of access tokens and the issuer in OpenID discovery: the public base URL. */
    AUTH_ISSUER: z.url().default('http://127.0.0.1:8080'),
    /** `aud` of access tokens: who may accept them. */
    AUTH_AUDIENCE: z.string().min(1).default('shardgate-api'),
    /** Folder of signing keys, one private Ed25519 JWK per `<kid>.jwk.json` file (a mounted Secret). */
    AUTH_KEYS_DIR: z.string().optional(),
    /** Alternatively the keys inline, as a JWK Set JSON (`{"keys":[...]}`). */
    AUTH_SIGNING_KEYS: z.string().optional(),
    /** The `kid` that signs; default: the last private key in `kid` order. Others only verify. */
    AUTH_SIGNING_KID: z.string().optional(),
    /** Create a key in AUTH_KEYS_DIR when there is none. Default: on unless NODE_ENV=production. */
    AUTH_GENERATE_DEV_KEY: optionalBool(),
    /** Access token lifetime. */
    ACCESS_TOKEN_TTL_SECONDS: int(60, 86_400, 900),
    /** Refresh token lifetime (each rotation issues a new one with a fresh lifetime). */
    REFRESH_TOKEN_TTL_SECONDS: int(300, 90 * 86_400, 7 * 86_400),
    /** A spent refresh token reused within this window (a lost answer) gets a new pair instead of revoking. */
    REFRESH_REUSE_GRACE_SECONDS: int(0, 300, 10),

    /** bcrypt cost for new hashes; hashes of another cost are upgraded at the next login. */
    BCRYPT_COST: int(4, 15, 12),
    /**
     * bcrypt threads: operations at once, each on a thread of its own at the lowest CPU priority
     * (BCRYPT_NICE). Default: the CPUs this process may use (os.availableParallelism(), which
     * counts a cgroup CPU quota). Under a CPU limit, keep it below the limit: a niced thread still
     * spends the quota, and a spent quota throttles the event loop too.
     */
    BCRYPT_CONCURRENCY: int(1, 64, Math.min(64, availableParallelism())),
    /** bcrypt operations that may wait per thread; beyond that, 503 with Retry-After. */
    BCRYPT_QUEUE_PER_THREAD: int(0, 1_000, 16),
    /** Nice value of the bcrypt threads (Linux): 19, the lowest priority; 0 leaves them as is. */
    BCRYPT_NICE: int(0, 19, 19),
    /** Minimum password length in characters (NIST SP 800-63B: at least 8). */
    PASSWORD_MIN_LENGTH: int(8, 64, 8),
    /** Minimum zxcvbn score (0-4). */
    PASSWORD_MIN_SCORE: int(0, 4, 3),

    /** Failed logins per (account, client IP) per 15 minutes before 429. */
    LOGIN_FAILURES_PER_ACCOUNT_IP: int(1, 10_000, 5),
    /** Failed logins per account, from any IP, per hour before 429. */
    LOGIN_FAILURES_PER_ACCOUNT: int(1, 100_000, 20),
    /** Failed logins per client IP, for any account, per hour before 429. */
    LOGIN_FAILURES_PER_IP: int(1, 1_000_000, 100),
    /** Registrations per client IP per hour. */
    REGISTRATIONS_PER_IP: int(1, 1_000_000, 10),
    /**
     * The key that encrypts TOTP seeds at rest (AES-256-GCM): 32 random bytes, base64url. Required
     * when NODE_ENV=production; elsewhere a fixed development key (published, so protecting
     * nothing) stands in. Changing it makes every enrolled user's seed unreadable.
     */
    MFA_ENCRYPTION_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}=?$/, `must be 32 bytes in base64url (43 characters); ${KEY_HINT}`)
      .optional(),
    /** The issuer authenticator apps show beside the account (`otpauth://` label and `issuer`). */
    TOTP_ISSUER: z.string().min(1).max(64).default('shardgate'),
    /** Wrong MFA codes per user per 15 minutes (logins, confirmations, disabling) before 429. */
    MFA_FAILURES_PER_USER: int(1, 10_000, 10),
    /** Proxies in front of the service whose X-Forwarded-For entry is trusted (the gateway: 1). */
    TRUST_PROXY_HOPS: int(0, 10, 1),

    /**
     * How long a process keeps a user's or session's state while it follows Redis's change counter
     * (every change makes it forget at once): as long as Redis keeps its copy, so a session that
     * comes back every few minutes is still answered from memory.
     */
    STATE_CACHE_TTL_MS: int(0, 3_600_000, 300_000),
    /** Users, and separately sessions, whose state a process keeps (about 100 bytes each). */
    STATE_CACHE_SIZE: int(0, 10_000_000, 150_000),
    /** How long it keeps one while Redis cannot be read: then the bound on revocation delay. */
    STATE_CACHE_FALLBACK_TTL_MS: int(0, 1_000, 250),
    /** How often each process reads the change counter: with a round trip, the bound on revocation delay. */
    STATE_SYNC_INTERVAL_MS: int(50, 500, 200),
    /** Level of the one line logged per `/verify` check (with the gateway's request id); `debug` hides it at the default LOG_LEVEL. */
    VERIFY_LOG_LEVEL: z.enum(['info', 'debug']).default('info'),
    /** How long Redis keeps a user's or session's state. */
    REDIS_STATE_TTL_SECONDS: int(1, 86_400, 300),
    /** Verified access tokens remembered per process (their signatures are not checked again). */
    TOKEN_CACHE_SIZE: int(0, 10_000_000, 150_000),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV === 'production' && c.MFA_ENCRYPTION_KEY === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['MFA_ENCRYPTION_KEY'],
        message: `is required when NODE_ENV=production; ${KEY_HINT}`,
      });
    }
  })
  .transform((c) => ({
    ...c,
    AUTH_GENERATE_DEV_KEY: c.AUTH_GENERATE_DEV_KEY ?? c.NODE_ENV !== 'production',
    MFA_ENCRYPTION_KEY: c.MFA_ENCRYPTION_KEY?.replace(/=$/, '') ?? DEVELOPMENT_MFA_KEY,
  }));

/** The validated, frozen configuration. */
export type AuthConfig = Readonly<z.output<typeof configSchema>>;

/** Parses the environment; throws a ConfigError naming each bad variable. */
export function loadAuthConfig(env: NodeJS.ProcessEnv): AuthConfig {
  return loadConfig(configSchema, env);
}
