import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BROWSER_APP_PATH } from './browser-app.js';
import type { StackLayout } from './layout.js';
import { manifestNodeOptions } from './manifest-node-options.js';
import { pgUrl } from './postgres.js';
import { redisUrl } from './redis.js';
import type { StackSecrets } from './state.js';

/** The two application services of the stack. */
export const SERVICES = ['auth', 'api'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The built entry point of a service; it runs from `dist/`, as it does in its image. */
export function serviceEntry(layout: StackLayout, service: ServiceName): string {
  return join(layout.repoRoot, 'services', service, 'dist', 'main.js');
}

/** The time of the service's last build: a running process from an older build is restarted by `up`. */
export function serviceBuildVersion(layout: StackLayout, service: ServiceName): string {
  return String(statSync(serviceEntry(layout, service)).mtimeMs);
}

/** True when the service has been built (`npm run build`). */
export function serviceBuilt(layout: StackLayout, service: ServiceName): boolean {
  return existsSync(serviceEntry(layout, service));
}

/** The port each service serves HTTP on, and its separate metrics port. */
export function servicePorts(
  layout: StackLayout,
  service: ServiceName,
): { http: number; metrics: number } {
  const { ports } = layout;
  return service === 'auth'
    ? { http: ports.auth, metrics: ports.authMetrics }
    : { http: ports.api, metrics: ports.apiMetrics };
}

/**
 * The environment a service gets in the local stack: its configuration, documented in
 * docs/configuration.md. Everything else is the service's default.
 */
export function serviceEnv(
  layout: StackLayout,
  secrets: StackSecrets,
  service: ServiceName,
): NodeJS.ProcessEnv {
  const { http, metrics } = servicePorts(layout, service);
  const common = {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(http),
    METRICS_PORT: String(metrics),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    // locally nothing needs time to notice readiness going false; keep restarts quick
    SHUTDOWN_DRAIN_DELAY_MS: '300',
    // the local gateway keeps listing a stopping process (no Service to remove it from): refuse
    // new connections at once rather than race them when the listener closes
    SHUTDOWN_CLOSE_LISTENER: 'at-signal',
    REDIS_URL: redisUrl(layout, secrets),
    // the V8 heap of the pods (k8s/dev): the stack's processes behave, and measure, as theirs
    NODE_OPTIONS: manifestNodeOptions(layout.repoRoot, service),
  };
  const overrides = serviceOverrides(service);
  if (service === 'auth') {
    return {
      ...common,
      DATABASE_URL: pgUrl(layout, secrets, 'auth', 'primary'),
      DATABASE_REPLICA_URLS: pgUrl(layout, secrets, 'auth', 'replica'),
      AUTH_KEYS_DIR: join(layout.dir, 'keys'),
      AUTH_ISSUER: `http://127.0.0.1:${layout.ports.gateway}`,
      // the gateway under both names a browser may use; sign-ins land on the demo app (/app/)
      PUBLIC_ORIGINS: `http://127.0.0.1:${layout.ports.gateway},http://localhost:${layout.ports.gateway}`,
      SIGNIN_DEFAULT_REDIRECT: `http://127.0.0.1:${layout.ports.gateway}${BROWSER_APP_PATH}`,
      // every local run (smoke, demo, a developer's curl) registers from this one machine: ten an
      // hour (production's default) ends a session of repeated smoke runs; 100 keeps the limit real
      REGISTRATIONS_PER_IP: String(LOCAL_REGISTRATIONS_PER_IP),
      // the same for password reset requests (production: 20 an hour), one per smoke run
      PASSWORD_RESETS_PER_IP: String(LOCAL_REGISTRATIONS_PER_IP),
      // the stack's Mailpit: plain SMTP on loopback, nothing to authenticate
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(layout.ports.mailpitSmtp),
      SMTP_TLS: 'none',
      MAIL_FROM: LOCAL_MAIL_FROM,
      ...overrides,
    };
  }
  return {
    ...common,
    SHARD_0_PRIMARY_URL: pgUrl(layout, secrets, 'shard0', 'primary'),
    SHARD_0_REPLICA_URLS: pgUrl(layout, secrets, 'shard0', 'replica'),
    SHARD_1_PRIMARY_URL: pgUrl(layout, secrets, 'shard1', 'primary'),
    SHARD_1_REPLICA_URLS: pgUrl(layout, secrets, 'shard1', 'replica'),
    AUTH_JWKS_URL: `http://127.0.0.1:${layout.ports.auth}/.well-known/jwks.json`,
    AUTH_ISSUER: `http://127.0.0.1:${layout.ports.gateway}`,
    ...overrides,
  };
}

/** The sender of the local stack's mail. */
export const LOCAL_MAIL_FROM = 'shardgate <no-reply@shardgate.local>';

/** Registrations per client address per hour on the local stack (production keeps 10). */
export const LOCAL_REGISTRATIONS_PER_IP = 100;

/**
 * Settings a developer passes to one service of the stack: `STACK_AUTH_BCRYPT_COST=4` gives the
 * auth service `BCRYPT_COST=4`, `STACK_API_LOG_LEVEL=debug` the API `LOG_LEVEL=debug`.
 */
export function serviceOverrides(
  service: ServiceName,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const prefix = `STACK_${service.toUpperCase()}_`;
  return Object.fromEntries(
    Object.entries(env)
      .filter(
        (entry): entry is [string, string] => entry[0].startsWith(prefix) && entry[1] !== undefined,
      )
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
}
