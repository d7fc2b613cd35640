import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger } from '@shardgate/shared';
import { importJWK, type JWK, SignJWT } from 'jose';
import { inject } from 'vitest';
import type { StackInfo } from '../../../../scripts/stack/stack-info.js';
import { createApiApp } from '../../src/app.js';
import { loadApiConfig } from '../../src/config.js';
import { closeApiDeps, createApiDeps } from '../../src/create-deps.js';
import type { ApiDeps } from '../../src/deps.js';

/** An API app served in this process on a stack's real shards, Redis and auth JWKS. */
export interface TestApiServer {
  readonly url: string;
  readonly deps: ApiDeps;
  readonly logs: string[];
  close(): Promise<void>;
}

/** The environment of an API app on `stack` (the test stack by default). */
export function testApiEnv(
  stack: StackInfo = inject('stack'),
  overrides: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    HOST: '127.0.0.1',
    PORT: '1',
    METRICS_PORT: '1',
    LOG_LEVEL: 'debug',
    SHARD_0_PRIMARY_URL: stack.pg.shard0.primary,
    SHARD_0_REPLICA_URLS: stack.pg.shard0.replica,
    SHARD_1_PRIMARY_URL: stack.pg.shard1.primary,
    SHARD_1_REPLICA_URLS: stack.pg.shard1.replica,
    REDIS_URL: stack.redisUrl,
    AUTH_JWKS_URL: `${stack.authUrl}/.well-known/jwks.json`,
    AUTH_ISSUER: stack.gatewayUrl,
    REPLICA_RETRY_MS: '500',
    ...overrides,
  };
}

/** Starts an API app on an ephemeral port. */
export async function startApiServer(
  env: NodeJS.ProcessEnv = testApiEnv(),
): Promise<TestApiServer> {
  const logs: string[] = [];
  const config = loadApiConfig(env);
  const logger = createLogger({
    service: 'api',
    level: config.LOG_LEVEL,
    destination: { write: (l: string) => void logs.push(l) },
  });
  const deps = createApiDeps(config, logger);
  const server: Server = createServer(createApiApp(deps).callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deps,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeApiDeps(deps);
    },
  };
}

/**
 * An access token for any user id, signed with the stack's own auth key, exactly as the auth
 * service signs them: lets tests choose user ids (1-12, parity) that registration cannot.
 */
export async function tokenFor(
  userId: number,
  stack: StackInfo = inject('stack'),
  claims: Record<string, unknown> = {},
): Promise<string> {
  const dir = join(stack.dir, 'keys');
  const file = readdirSync(dir).find((f) => f.endsWith('.jwk.json'));
  if (!file) throw new Error(`no signing key in ${dir}`);
  const jwk = JSON.parse(readFileSync(join(dir, file), 'utf8')) as JWK & { kid: string };
  const key = await importJWK(jwk, 'EdDSA');
  return new SignJWT({
    email: `user${userId}@example.com`,
    role: 'user',
    sid: randomUUID(),
    ...claims,
  })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: jwk.kid })
    .setIssuer(stack.gatewayUrl)
    .setAudience(typeof claims.aud === 'string' ? claims.aud : 'shardgate-api')
    .setSubject(String(userId))
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('15m')
    .sign(key);
}

/** A user id no other test uses: large and random, with the parity asked for. */
export function freshUserId(parity: 'even' | 'odd' = Math.random() < 0.5 ? 'even' : 'odd'): number {
  const n = 100_000 + Math.floor(Math.random() * 900_000_000);
  return parity === 'even' ? n - (n % 2) : n - (n % 2) + 1;
}

export { type CallResult, call } from '../../../auth/test/support/auth-server.js';
