/**
 * `npm run demo`: a narrated walk through register → token → API call → refresh → logout against
 * the running stack, printing each request and the key fields of its answer. An access token
 * shows only the start of its public header (`eyJhbGciOi…(redacted)`), a refresh token only its
 * length, the password nothing: the output is meant to be pasted into chats and tickets.
 *
 * The base URL is `--base-url`, else the gateway of the stack `npm run up` started (STACK_NAME,
 * default `dev`), else http://127.0.0.1:8080.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  createShardgateClient,
  NetworkError,
  ProblemError,
  type TokenPair,
  type WireResponse,
} from '@shardgate/client';
import { describeResponse } from './describe-response.js';
import { redactToken, Secrets } from './redact.js';
import { stackLayout, stackOptionsFromEnv } from './stack/layout.js';
import { readState } from './stack/state.js';

/** A request answered with a status other than the one the step needs. */
class DemoStop extends Error {}

const secrets = new Secrets();
const say = (line = '') => console.log(secrets.scrub(line));

/** The running stack's gateway URL: the port `up` recorded, else the layout's, else 8080. */
function defaultBaseUrl(): string {
  try {
    const layout = stackLayout(stackOptionsFromEnv());
    const port = readState(layout).gateway?.port ?? layout.ports.gateway;
    return `http://127.0.0.1:${port}`;
  } catch {
    return 'http://127.0.0.1:8080'; // a malformed STACK_* variable: the documented default
  }
}

/**
 * The demo's client: every answer is printed as `METHOD /path → status (ms)` as it arrives (the
 * token answers' secrets registered first), unless `quiet` is set, and the last one is kept for
 * its headers.
 */
function demoClient(baseUrl: string) {
  const seen = { last: undefined as WireResponse | undefined, quiet: false };
  const client = createShardgateClient({
    baseUrl,
    onResponse(r) {
      const body = (r.body ?? {}) as Record<string, unknown>;
      for (const key of ['access_token', 'refresh_token']) {
        if (typeof body[key] === 'string') secrets.add(body[key]);
      }
      seen.last = r;
      if (!seen.quiet) say(`   ${r.method} ${r.path} → ${r.status} (${r.durationMs} ms)`);
    },
  });
  return { client, seen };
}

/** Prints chosen fields of a body, one per line; token fields redacted (see redactToken). */
function show(body: object, keys: readonly string[]): void {
  const fields = body as Record<string, unknown>;
  for (const key of keys) {
    const value = key.endsWith('_token') ? redactToken(fields[key]) : JSON.stringify(fields[key]);
    say(`     ${key}: ${value}`);
  }
}

/** Prints headers of the last answer. */
function showHeaders(r: WireResponse | undefined, names: readonly string[]): void {
  for (const name of names) say(`     ${name}: ${r?.headers.get(name) ?? '(absent)'}`);
}

async function walk({ client, seen }: ReturnType<typeof demoClient>): Promise<void> {
  const email = `demo+${randomBytes(4).toString('hex')}@example.test`;
  const password = secrets.add(randomBytes(24).toString('base64url'));

  say('1. Register a new account (registration does not log in)');
  say(`   email ${email}, a random 32-character password (never printed)`);
  const user = await client.auth.register({ email, password, name: 'Demo User' });
  show(user, ['id', 'email', 'role']);

  say();
  say('2. Get tokens with the OAuth 2.0 password grant (form-encoded, like any OAuth client)');
  say('   the client keeps the pair in its token storage (memory here)');
  const granted = await client.auth.passwordGrant({ username: email, password });
  show(granted, ['token_type', 'expires_in', 'user_id', 'access_token', 'refresh_token']);

  say();
  say('3. Call the API through the gateway: it asks auth /verify, then the API re-checks the JWT');
  const me = await client.api.me();
  show(me, ['userId', 'email']);
  showHeaders(seen.last, ['x-shard']);
  const order = await client.api.orders.create(
    { items: [{ sku: 'BOOK-0042', quantity: 2, unitPriceCents: 1999 }], currency: 'EUR' },
    { idempotencyKey: randomUUID() },
  );
  show(order, ['id', 'status', 'totalCents', 'currency']);
  showHeaders(seen.last, ['x-shard']);

  say();
  say('4. Refresh: the refresh token is single use; the answer is a new pair in the same session');
  say('   (the client refreshes by itself when the gateway refuses an expired access token)');
  const refreshed = await client.auth.refresh();
  show({ access_token: refreshed.accessToken, refresh_token: refreshed.refreshToken }, [
    'access_token',
    'refresh_token',
  ]);
  await client.api.me();
  say('     the new access token works');

  say();
  say(
    '5. Log out: the session is revoked, and the gateway refuses its access token within a second',
  );
  const { accessToken } = (await client.storage.get()) as TokenPair;
  await client.auth.logout();
  const loggedOut = Date.now();
  seen.quiet = true; // the polls below print one line, the last
  for (;;) {
    const r = await client.send('GET', '/api/me', { auth: { bearer: accessToken } });
    if (r.status === 401 || Date.now() - loggedOut > 2000) {
      say(`   GET /api/me → ${r.status} (${Date.now() - loggedOut} ms after logout)`);
      showHeaders(r, ['www-authenticate']);
      if (r.status !== 401) throw new DemoStop(`the logged-out token still passed: ${r.status}`);
      break;
    }
    await sleep(50);
  }
}

/** Why the demo stopped, for a person: what to do about it where we know. */
function explain(error: ProblemError): string {
  if (error.status === 429 && error.response.path === '/auth/register') {
    const wait = error.response.headers.get('retry-after');
    return (
      "registration is rate limited (429): this IP address used up the auth service's " +
      `REGISTRATIONS_PER_IP for the hour${wait ? `; retry in ${wait} s` : ''}, or restart the local` +
      ' stack: `npm run down && STACK_AUTH_REGISTRATIONS_PER_IP=1000 npm run up`'
    );
  }
  return describeResponse(error.response);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'base-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    say("usage: npm run demo [-- --base-url <url>]   (default: the running stack's gateway)");
    return 0;
  }
  const demo = demoClient(values['base-url'] ?? defaultBaseUrl());
  say(`shardgate demo against ${demo.client.baseUrl}`);
  say();
  try {
    await walk(demo);
  } catch (error) {
    if (error instanceof NetworkError) {
      say(`\n${error.message}.`);
      say('Is the stack running? Run `npm run up` first (or pass --base-url <url>).');
      return 1;
    }
    if (error instanceof DemoStop || error instanceof ProblemError) {
      const why = error instanceof ProblemError ? explain(error) : error.message;
      say(`\nThe demo stopped: ${why}`);
      return 1;
    }
    throw error;
  }
  say();
  say('Done: register → token → API call → refresh → logout.');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(secrets.scrub(`demo: ${(error as Error).message}`));
    process.exitCode = 1;
  },
);
