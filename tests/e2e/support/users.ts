import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../scripts/stack/layout.js';
import { type Account, accountFlows, type Tokens, type User } from './accounts.js';
import { send } from './gateway-client.js';
import { testStackLayout } from './stack-settings.js';

export { type Account, type Tokens, tokensOf, type User } from './accounts.js';

/** The account flows through the test stack's gateway (see {@link accountFlows}). */
const stackAccounts = accountFlows(send);

/** Registers a new account through the gateway (`POST /auth/register`), from its own address. */
export function register(): Promise<Account> {
  return stackAccounts.register();
}

/** Logs in with the OAuth2 password grant (`POST /auth/token`, form-encoded). */
export function tokenGrant(account: Account, password = account.password): Promise<Tokens> {
  return stackAccounts.tokenGrant(account, password);
}

/** Logs in with JSON (`POST /auth/login`). */
export function jsonLogin(account: Account, password = account.password): Promise<Tokens> {
  return stackAccounts.jsonLogin(account, password);
}

/** Registers an account and starts one session with the password grant. */
export function newUser(): Promise<User> {
  return stackAccounts.newUser();
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
