import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../scripts/stack/layout.js';
import { STRONG_PASSWORD } from '../../../services/auth/test/support/auth-server.js';
import { newClientAddress, send } from './gateway-client.js';
import { testStackLayout } from './stack-settings.js';

/** An account registered through the gateway, and the loopback address its client uses. */
export interface Account {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  /** The client's address (see {@link newClientAddress}); every call of this user comes from it. */
  readonly from: string;
}

/** A token pair, as `/auth/token`, `/auth/login` and `/auth/refresh` answer it. */
export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** An account with one logged-in session. */
export type User = Account & Tokens;

/** Registers a new account through the gateway (`POST /auth/register`), from its own address. */
export async function register(): Promise<Account> {
  const email = `e2e-${randomUUID()}@example.com`;
  const from = newClientAddress();
  const res = await send('POST', '/auth/register', {
    json: { email, password: STRONG_PASSWORD, name: 'E2E User' },
    from,
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${res.text}`);
  return { id: String(res.body.id), email, password: STRONG_PASSWORD, from };
}

/** Reads a token answer, failing with the body when it is not a 200 pair. */
export function tokensOf(res: { status: number; text: string; body: unknown }): Tokens {
  const body = res.body as { access_token?: unknown; refresh_token?: unknown } | undefined;
  if (
    res.status !== 200 ||
    typeof body?.access_token !== 'string' ||
    typeof body.refresh_token !== 'string'
  ) {
    throw new Error(`expected a token pair, got ${res.status} ${res.text}`);
  }
  return { accessToken: body.access_token, refreshToken: body.refresh_token };
}

/** Logs in with the OAuth2 password grant (`POST /auth/token`, form-encoded). */
export async function tokenGrant(account: Account, password = account.password): Promise<Tokens> {
  return tokensOf(
    await send('POST', '/auth/token', {
      form: { grant_type: 'password', username: account.email, password },
      from: account.from,
    }),
  );
}

/** Logs in with JSON (`POST /auth/login`). */
export async function jsonLogin(account: Account, password = account.password): Promise<Tokens> {
  return tokensOf(
    await send('POST', '/auth/login', {
      json: { email: account.email, password },
      from: account.from,
    }),
  );
}

/** Registers an account and starts one session with the password grant. */
export async function newUser(): Promise<User> {
  const account = await register();
  return { ...account, ...(await tokenGrant(account)) };
}

/**
 * Makes `email` an administrator with the stack's own CLI (`scripts/stack/cli.ts set-role`), as an
 * operator makes the first one; the CLI finds the stack from STACK_NAME and STACK_PORT_OFFSET.
 */
export async function promoteToAdmin(email: string): Promise<void> {
  const { layout, portOffset } = testStackLayout();
  await promisify(execFile)(
    join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    [join(REPO_ROOT, 'scripts', 'stack', 'cli.ts'), 'set-role', email, 'admin'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, STACK_NAME: layout.name, STACK_PORT_OFFSET: String(portOffset) },
    },
  );
}
