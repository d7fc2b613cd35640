import { randomUUID } from 'node:crypto';
import { STRONG_PASSWORD } from '../../../services/auth/test/support/auth-server.js';
import { newClientAddress, type Send } from './gateway-client.js';

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

/** The account flows of {@link accountFlows}, all through one gateway. */
export interface AccountFlows {
  /** Registers a new account (`POST /auth/register`), from its own address. */
  register(): Promise<Account>;
  /** Logs in with the OAuth2 password grant (`POST /auth/token`, form-encoded). */
  tokenGrant(account: Account, password?: string): Promise<Tokens>;
  /** Logs in with JSON (`POST /auth/login`). */
  jsonLogin(account: Account, password?: string): Promise<Tokens>;
  /** Registers an account and starts one session with the password grant. */
  newUser(): Promise<User>;
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

/**
 * Registration and login through the gateway `send` talks to: the local stack's nginx
 * (tests/e2e/support/users.ts binds it) or a cluster's ingress controller (tests/cluster/).
 * `emailPrefix` tells the suites' accounts apart in a shared database.
 */
export function accountFlows(send: Send, emailPrefix = 'e2e'): AccountFlows {
  const flows: AccountFlows = {
    async register() {
      const email = `${emailPrefix}-${randomUUID()}@example.com`;
      const from = newClientAddress();
      const res = await send('POST', '/auth/register', {
        json: { email, password: STRONG_PASSWORD, name: 'E2E User' },
        from,
      });
      if (res.status !== 201) throw new Error(`register: ${res.status} ${res.text}`);
      return { id: String(res.body.id), email, password: STRONG_PASSWORD, from };
    },
    async tokenGrant(account, password = account.password) {
      return tokensOf(
        await send('POST', '/auth/token', {
          form: { grant_type: 'password', username: account.email, password },
          from: account.from,
        }),
      );
    },
    async jsonLogin(account, password = account.password) {
      return tokensOf(
        await send('POST', '/auth/login', {
          json: { email: account.email, password },
          from: account.from,
        }),
      );
    },
    async newUser() {
      const account = await flows.register();
      return { ...account, ...(await flows.tokenGrant(account)) };
    },
  };
  return flows;
}
