import { availableParallelism } from 'node:os';
import { loadConfig, postgresUrl, postgresUrlList, serviceSettings } from '@shardgate/shared';
import { z } from 'zod';
import { DEVELOPMENT_MFA_KEY } from './domain/secret-box.js';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const optionalText = () => z.string().min(1).optional();
/** `addr@domain` or `Name <addr@domain>`, on one line: it becomes the From header. */
const MAILBOX = /^(?:[^\r\n<>@]+ <[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/;
/** Hosts an unencrypted SMTP connection may go to: it never leaves the machine. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
/** SMTP_PORT when unset: the registered port of each TLS mode. */
const SMTP_DEFAULT_PORTS = { implicit: 465, starttls: 587, none: 25 } as const;
const optionalBool = () =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1'));

/** `scheme://host[:port]` exactly as `URL.origin` spells it (lower case, no default port, no path). */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

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
     * nothing) stands in. Changing it makes every enrolled user's seed unreadable. A key derived
     * from it (HKDF) seals the bodies of pending mail: those pending at a change are given up on.
     */
    MFA_ENCRYPTION_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}=?$/, `must be 32 bytes in base64url (43 characters); ${KEY_HINT}`)
      .optional(),
    /** The issuer authenticator apps show beside the account (`otpauth://` label and `issuer`). */
    TOTP_ISSUER: z.string().min(1).max(64).default('shardgate'),
    /** Wrong MFA codes per user per 15 minutes (logins, confirmations, disabling) before 429. */
    MFA_FAILURES_PER_USER: int(1, 10_000, 10),

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
    /**
     * Level of the line logged per *allowed* `/verify` check (with the gateway's request id). A
     * refusal (401, 403, 302) is always logged at `info`. `debug` by default: the line cost a fifth
     * of the hot path's CPU, and an allowed request's id is already in the gateway's and the API's
     * logs (docs/decisions.md).
     */
    VERIFY_LOG_LEVEL: z.enum(['info', 'debug']).default('debug'),
    /** How long Redis keeps a user's or session's state. */
    REDIS_STATE_TTL_SECONDS: int(1, 86_400, 300),
    /** Verified access tokens remembered per process (their signatures are not checked again). */
    TOKEN_CACHE_SIZE: int(0, 10_000_000, 150_000),

    /**
     * The SMTP server the outbox delivers to. Unset: nothing is sent, mail waits in the outbox
     * (`auth_mail_pending` grows) until a process that has one delivers it.
     */
    SMTP_HOST: optionalText(),
    /** Its port. Default: 465 with SMTP_TLS=implicit, 587 with starttls, 25 with none. */
    SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /**
     * `implicit`: TLS from the first byte (SMTPS); `starttls`: the server must offer STARTTLS and
     * the connection is upgraded before anything is sent, else nothing is sent; `none`: plain
     * SMTP, only to a loopback host, or anywhere outside production (a development Mailpit).
     * Certificates are always verified.
     */
    SMTP_TLS: z.enum(['implicit', 'starttls', 'none']).default('starttls'),
    /** SMTP user (AUTH PLAIN/LOGIN); with SMTP_PASSWORD, or neither. */
    SMTP_USER: optionalText(),
    /** SMTP password. A secret: never logged. */
    SMTP_PASSWORD: optionalText(),
    /** The From of every mail: `addr@domain` or `Name <addr@domain>`. Required with SMTP_HOST. */
    MAIL_FROM: z.string().regex(MAILBOX, 'must be addr@domain or Name <addr@domain>').optional(),
    /** Delivery attempts of one mail before it is marked failed (kept in the outbox for operators). */
    MAIL_MAX_ATTEMPTS: int(1, 100, 10),
    /** Wait before the first retry; doubled at each further attempt, with jitter. */
    MAIL_RETRY_BASE_MS: int(10, 3_600_000, 30_000),
    /** Longest wait between two attempts. */
    MAIL_RETRY_MAX_MS: int(10, 86_400_000, 3_600_000),
    /** How often each process looks for due mail when nothing woke it. */
    MAIL_POLL_INTERVAL_MS: int(10, 60_000, 1_000),
    /** Mails one process sends per round, one after the other, before it looks again. */
    MAIL_BATCH_SIZE: int(1, 1_000, 20),
    /**
     * How long a delivery waits for the SMTP server's TCP (and, with SMTP_TLS=implicit, TLS)
     * connection. Each SMTP wait is bounded on its own, so that no step of a send can hang it for
     * nodemailer's defaults (up to ten minutes).
     */
    SMTP_CONNECTION_TIMEOUT_MS: int(100, 60_000, 5_000),
    /** How long a delivery waits for the server's greeting once connected. */
    SMTP_GREETING_TIMEOUT_MS: int(100, 60_000, 5_000),
    /** The longest silence of the server during a delivery (each reply, STARTTLS, the data). */
    SMTP_SOCKET_TIMEOUT_MS: int(100, 60_000, 10_000),
    /**
     * The whole of one delivery attempt, connection to the server's acceptance: a send still
     * unfinished then is abandoned (its connection closed) and counted as a failed attempt. A
     * claim keeps other processes off the mail for twice this.
     */
    MAIL_SEND_TIMEOUT_MS: int(100, 300_000, 20_000),
    /**
     * On SIGTERM the delivery loop stops claiming mail at once; a send in flight may finish
     * within this, else it is abandoned (connection closed) and its mail released at once for
     * another process. At most SHUTDOWN_DRAIN_DELAY_MS + SHUTDOWN_TIMEOUT_MS, so that mail never
     * makes shutdown outlast the HTTP drain the pod's grace period is sized for.
     */
    MAIL_SHUTDOWN_TIMEOUT_MS: int(0, 120_000, 5_000),

    /** How long an email verification link works. */
    EMAIL_VERIFICATION_TTL_SECONDS: int(300, 7 * 86_400, 86_400),
    /** How long a password reset link works. */
    PASSWORD_RESET_TTL_SECONDS: int(300, 86_400, 1_800),
    /**
     * The page a verification mail links to, which posts the token to `/auth/email/verify`. The
     * token follows in the fragment (`#token=...`), which browsers never send to a server or in a
     * Referer. Default: AUTH_ISSUER + `/verify-email`.
     */
    EMAIL_VERIFICATION_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The page a reset mail links to (posts to `/auth/password/reset/confirm`); AUTH_ISSUER + `/reset-password`. */
    PASSWORD_RESET_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** Password reset requests per address per hour (the same whether or not it has an account). */
    PASSWORD_RESETS_PER_ADDRESS: int(1, 1_000, 3),
    /** Password reset requests per client IP per hour. */
    PASSWORD_RESETS_PER_IP: int(1, 1_000_000, 20),
    /**
     * `/verify` refuses accounts that have not verified their address: 403 `email_unverified`.
     * Off by default; accounts made before email verification existed count as unverified.
     */
    REQUIRE_VERIFIED_EMAIL: optionalBool(),
    /** Verification mails a signed-in user may ask for per hour. */
    VERIFICATION_MAILS_PER_USER: int(1, 1_000, 5),

    /**
     * The origins of the browser apps (`https://app.example.com`, comma-separated): the only
     * `Origin` a cookie-authenticated unsafe request may come from, and the only places a sign-in
     * may return to (`rd`). Default: AUTH_ISSUER's origin. Browser sessions live in `__Host-`
     * cookies of the host that served the sign-in page, so each origin serves `/auth` too.
     */
    PUBLIC_ORIGINS: z
      .string()
      .optional()
      .transform((v, context) => {
        if (v === undefined) return undefined;
        const origins = v.split(',').map((entry) => entry.trim());
        for (const origin of origins) {
          if (!isOrigin(origin))
            context.addIssue({ code: 'custom', message: `${origin} is not an http(s) origin` });
        }
        return origins;
      }),
    /**
     * Where a sign-in without a usable `rd` lands, and where sign-out leads back through the
     * sign-in page. Default: the first of PUBLIC_ORIGINS, path `/`. Must be on one of them.
     */
    SIGNIN_DEFAULT_REDIRECT: z.url({ protocol: /^https?$/ }).optional(),
  })
  .superRefine((c, context) => {
    const problem = (path: string, message: string) =>
      context.addIssue({ code: 'custom', path: [path], message });
    if ((c.SMTP_USER === undefined) !== (c.SMTP_PASSWORD === undefined))
      problem(
        c.SMTP_USER === undefined ? 'SMTP_USER' : 'SMTP_PASSWORD',
        'SMTP_USER and SMTP_PASSWORD go together',
      );
    if (c.SMTP_HOST !== undefined && c.MAIL_FROM === undefined)
      problem('MAIL_FROM', 'required when SMTP_HOST is set');
    if (c.SMTP_TLS === 'none' && c.SMTP_HOST !== undefined && !LOOPBACK_HOSTS.has(c.SMTP_HOST)) {
      // a password, or the mail itself (tokens, later), would cross the network in clear text
      if (c.NODE_ENV === 'production')
        problem('SMTP_TLS', 'none is allowed only with a loopback SMTP_HOST in production');
      else if (c.SMTP_USER !== undefined)
        problem('SMTP_TLS', 'none would send SMTP_PASSWORD in clear text to a remote host');
    }
    if (c.MAIL_RETRY_MAX_MS < c.MAIL_RETRY_BASE_MS)
      problem('MAIL_RETRY_MAX_MS', 'must be at least MAIL_RETRY_BASE_MS');
    if (c.MAIL_SHUTDOWN_TIMEOUT_MS > c.SHUTDOWN_DRAIN_DELAY_MS + c.SHUTDOWN_TIMEOUT_MS)
      problem(
        'MAIL_SHUTDOWN_TIMEOUT_MS',
        'must be at most SHUTDOWN_DRAIN_DELAY_MS + SHUTDOWN_TIMEOUT_MS (the HTTP drain)',
      );
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
  .transform((c) => {
    const origins = c.PUBLIC_ORIGINS ?? [new URL(c.AUTH_ISSUER).origin];
    return {
      ...c,
      PUBLIC_ORIGINS: origins,
      SIGNIN_DEFAULT_REDIRECT: c.SIGNIN_DEFAULT_REDIRECT ?? `${origins[0]}/`,
    };
  })
  .superRefine((c, context) => {
    if (!c.PUBLIC_ORIGINS.includes(new URL(c.SIGNIN_DEFAULT_REDIRECT).origin)) {
      context.addIssue({
        code: 'custom',
        path: ['SIGNIN_DEFAULT_REDIRECT'],
        message: 'must be on one of PUBLIC_ORIGINS',
      });
    }
  })
  .transform((c) => ({
    ...c,
    AUTH_GENERATE_DEV_KEY: c.AUTH_GENERATE_DEV_KEY ?? c.NODE_ENV !== 'production',
    SMTP_PORT: c.SMTP_PORT ?? SMTP_DEFAULT_PORTS[c.SMTP_TLS],
    REQUIRE_VERIFIED_EMAIL: c.REQUIRE_VERIFIED_EMAIL ?? false,
    EMAIL_VERIFICATION_URL:
      c.EMAIL_VERIFICATION_URL ?? new URL('/verify-email', c.AUTH_ISSUER).href,
    PASSWORD_RESET_URL: c.PASSWORD_RESET_URL ?? new URL('/reset-password', c.AUTH_ISSUER).href,
    MFA_ENCRYPTION_KEY: c.MFA_ENCRYPTION_KEY?.replace(/=$/, '') ?? DEVELOPMENT_MFA_KEY,
  }));

/** The validated, frozen configuration. */
export type AuthConfig = Readonly<z.output<typeof configSchema>>;

/** Parses the environment; throws a ConfigError naming each bad variable. */
export function loadAuthConfig(env: NodeJS.ProcessEnv): AuthConfig {
  return loadConfig(configSchema, env);
}
