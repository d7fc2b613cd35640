import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger } from '@shardgate/shared';
import { inject } from 'vitest';
import { createAuthHandler } from '../../src/app.js';
import { loadAuthConfig } from '../../src/config.js';
import { closeAuthDeps, createAuthDeps } from '../../src/create-deps.js';
import type { AuthDeps } from '../../src/deps.js';

/** An auth app served in this process on the test stack's real Postgres and Redis. */
export interface TestAuthServer {
  readonly url: string;
  readonly deps: AuthDeps;
  /** Every log line the app wrote, as raw JSON text. */
  readonly logs: string[];
  close(): Promise<void>;
}

/** The environment of a test auth app: the test stack's databases, fast bcrypt, captured logs. */
export function testAuthEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const stack = inject('stack');
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '1',
    METRICS_PORT: '1',
    LOG_LEVEL: 'debug',
    DATABASE_URL: stack.pg.auth.primary,
    DATABASE_REPLICA_URLS: stack.pg.auth.replica,
    REDIS_URL: stack.redisUrl,
    // the test stack's own auth service made this key: tokens verify in every process
    AUTH_KEYS_DIR: join(stack.dir, 'keys'),
    AUTH_ISSUER: stack.gatewayUrl,
    BCRYPT_COST: '4',
    ...overrides,
  };
}

/** Starts an auth app on an ephemeral port. */
export async function startAuthServer(
  overrides: Record<string, string> = {},
): Promise<TestAuthServer> {
  const logs: string[] = [];
  const config = loadAuthConfig(testAuthEnv(overrides));
  const logger = createLogger({
    service: 'auth',
    level: config.LOG_LEVEL,
    destination: { write: (line: string) => void logs.push(line) },
  });
  const deps = createAuthDeps(config, logger);
  const server: Server = createServer(createAuthHandler(deps));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deps,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeAuthDeps(deps);
    },
  };
}

/** A response, its body parsed when it is JSON. */
export interface CallResult {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
  readonly body: any;
  readonly text: string;
}

/** Options of {@link call}. */
export interface CallOptions {
  readonly json?: unknown;
  readonly form?: Record<string, string>;
  readonly raw?: string | Buffer;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

/** Sends one request and reads the whole answer. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Buffer | undefined;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.raw !== undefined) {
    body = options.raw;
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${base}${path}`, { method, headers, body: body ?? null });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** A random client address, so that tests do not share rate-limit counters. */
export function randomIp(): string {
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

/** A password that passes the policy. */
export const STRONG_PASSWORD = 'plaid-otter-canyon-7-lantern';

/** A registered and logged-in user. */
export interface TestUser {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** Registers a new user (unique email) and logs them in. */
export async function newUser(base: string, name: string | null = 'Test User'): Promise<TestUser> {
  const email = `user-${randomUUID()}@example.com`;
  const ip = randomIp();
  const registered = await call(base, 'POST', '/auth/register', {
    json: { email, password: STRONG_PASSWORD, name },
    headers: { 'x-forwarded-for': ip },
  });
  if (registered.status !== 201)
    throw new Error(`register failed: ${registered.status} ${registered.text}`);
  const login = await call(base, 'POST', '/auth/login', {
    json: { email, password: STRONG_PASSWORD },
    headers: { 'x-forwarded-for': ip },
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return {
    id: registered.body.id,
    email,
    password: STRONG_PASSWORD,
    accessToken: login.body.access_token,
    refreshToken: login.body.refresh_token,
  };
}
