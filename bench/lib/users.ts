import { randomBytes } from 'node:crypto';
import { call, mapLimit } from './http.js';

/** A password that passes the auth service's policy (length and zxcvbn score). */
export const BENCH_PASSWORD = 'plaid-otter-canyon-7-lantern';

/** A registered user of the benchmark, with the tokens of one login when logged in. */
export interface BenchUser {
  readonly email: string;
  readonly password: string;
  /** The client address the user registers and logs in from (sent as X-Forwarded-For). */
  readonly ip: string;
  readonly accessToken?: string;
}

/**
 * Distinct client addresses for a run: `10.<run>.<hi>.<lo>`. The auth service trusts one proxy
 * hop, so a direct caller's X-Forwarded-For is its client address; one address per user keeps
 * every user under the per-IP registration limit (10 an hour) and the login-failure limits. The
 * second octet is random per run so that reruns within the hour use fresh counters.
 */
export function addressPlan(): (index: number) => string {
  const run = randomBytes(1)[0] as number;
  return (index) => `10.${run}.${(index >> 8) & 255}.${index & 255}`;
}

/** Registers one user (`POST /auth/register`); throws unless the service answers 201. */
export async function register(authUrl: string, user: BenchUser, name: string): Promise<void> {
  const answer = await call(`${authUrl}/auth/register`, {
    json: { email: user.email, password: user.password, name },
    headers: { 'x-forwarded-for': user.ip },
  });
  if (answer.status !== 201)
    throw new Error(`register ${user.email}: ${answer.status} ${answer.text.slice(0, 300)}`);
}

/** Logs one user in (`POST /auth/login`) and returns the access token. */
export async function login(authUrl: string, user: BenchUser): Promise<string> {
  const answer = await call(`${authUrl}/auth/login`, {
    json: { email: user.email, password: user.password },
    headers: { 'x-forwarded-for': user.ip },
  });
  const token = (answer.body as { access_token?: unknown } | null)?.access_token;
  if (answer.status !== 200 || typeof token !== 'string')
    throw new Error(`login ${user.email}: ${answer.status} ${answer.text.slice(0, 300)}`);
  return token;
}

/** `count` new users with unique emails (prefix `bench-<tag>-`), each with its own address. */
export function newUsers(count: number, tag: string, ip: (index: number) => string): BenchUser[] {
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  return Array.from({ length: count }, (_, i) => ({
    email: `bench-${tag}-${run}-${i}@example.com`,
    password: BENCH_PASSWORD,
    ip: ip(i),
  }));
}

/** Registers every user, `concurrency` at a time. */
export async function registerAll(
  authUrl: string,
  users: readonly BenchUser[],
  concurrency: number,
): Promise<void> {
  await mapLimit(users, concurrency, (user, i) => register(authUrl, user, `Bench User ${i}`));
}

/** Registers and logs in every user; returns them with their access tokens. */
export async function registerAndLogin(
  authUrl: string,
  users: readonly BenchUser[],
  concurrency: number,
): Promise<BenchUser[]> {
  return mapLimit(users, concurrency, async (user, i) => {
    await register(authUrl, user, `Bench User ${i}`);
    return { ...user, accessToken: await login(authUrl, user) };
  });
}
