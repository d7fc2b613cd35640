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
  describeResponse,
  type RequestOptions,
  redactToken,
  Secrets,
  SmokeClient,
  type SmokeResponse,
  UnreachableError,
} from '../tests/smoke/client.js';
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

/** Sends one request, prints it with its answer, and stops the demo on an unexpected status. */
async function step(
  client: SmokeClient,
  method: string,
  path: string,
  expected: number,
  options: RequestOptions = {},
): Promise<SmokeResponse> {
  const r = await client.request(method, path, options);
  say(`   ${method} ${path} → ${r.status} (${r.ms} ms)`);
  if (r.status !== expected) throw new DemoStop(`expected ${expected}, but ${describeResponse(r)}`);
  return r;
}

/** Prints chosen fields of an answer, one per line; token fields redacted (see redactToken). */
function show(r: SmokeResponse, keys: readonly string[], headers: readonly string[] = []): void {
  const body = (r.body ?? {}) as Record<string, unknown>;
  for (const key of keys) {
    const value = key.endsWith('_token') ? redactToken(body[key]) : JSON.stringify(body[key]);
    say(`     ${key}: ${value}`);
  }
  for (const name of headers) say(`     ${name}: ${r.headers.get(name) ?? '(absent)'}`);
}

/** Registers both tokens of a token answer as secrets and returns them. */
function tokens(r: SmokeResponse): { access: string; refresh: string } {
  const body = (r.body ?? {}) as Record<string, unknown>;
  const { access_token: access, refresh_token: refresh } = body;
  if (typeof access !== 'string' || typeof refresh !== 'string') {
    throw new DemoStop(`${describeResponse(r)} without a token pair`);
  }
  return { access: secrets.add(access), refresh: secrets.add(refresh) };
}

async function walk(client: SmokeClient): Promise<void> {
  const email = `demo+${randomBytes(4).toString('hex')}@example.test`;
  const password = secrets.add(randomBytes(24).toString('base64url'));

  say('1. Register a new account (registration does not log in)');
  say(`   email ${email}, a random 32-character password (never printed)`);
  const registered = await client.request('POST', '/auth/register', {
    json: { email, password, name: 'Demo User' },
  });
  if (registered.status === 429) {
    const wait = registered.headers.get('retry-after');
    throw new DemoStop(
      "registration is rate limited (429): this IP address used up the auth service's " +
        `REGISTRATIONS_PER_IP for the hour${wait ? `; retry in ${wait} s` : ''}, or restart the local` +
        ' stack: `npm run down && STACK_AUTH_REGISTRATIONS_PER_IP=1000 npm run up`',
    );
  }
  say(`   POST /auth/register → ${registered.status} (${registered.ms} ms)`);
  if (registered.status !== 201) throw new DemoStop(describeResponse(registered));
  show(registered, ['id', 'email', 'role']);

  say();
  say('2. Get tokens with the OAuth 2.0 password grant (form-encoded, like any OAuth client)');
  const granted = await step(client, 'POST', '/auth/token', 200, {
    form: { grant_type: 'password', username: email, password },
  });
  let session = tokens(granted);
  show(granted, ['token_type', 'expires_in', 'user_id', 'access_token', 'refresh_token']);

  say();
  say('3. Call the API through the gateway: it asks auth /verify, then the API re-checks the JWT');
  const me = await step(client, 'GET', '/api/me', 200, { bearer: session.access });
  show(me, ['userId', 'email'], ['x-shard']);
  const order = await step(client, 'POST', '/api/orders', 201, {
    bearer: session.access,
    headers: { 'idempotency-key': randomUUID() },
    json: { items: [{ sku: 'BOOK-0042', quantity: 2, unitPriceCents: 1999 }], currency: 'EUR' },
  });
  show(order, ['id', 'status', 'totalCents', 'currency'], ['x-shard']);

  say();
  say('4. Refresh: the refresh token is single use; the answer is a new pair in the same session');
  const refreshed = await step(client, 'POST', '/auth/refresh', 200, {
    json: { refresh_token: session.refresh },
  });
  session = tokens(refreshed);
  show(refreshed, ['access_token', 'refresh_token', 'expires_in']);
  await step(client, 'GET', '/api/me', 200, { bearer: session.access });
  say('     the new access token works');

  say();
  say(
    '5. Log out: the session is revoked, and the gateway refuses its access token within a second',
  );
  await step(client, 'POST', '/auth/logout', 204, { bearer: session.access });
  const loggedOut = Date.now();
  for (;;) {
    const r = await client.request('GET', '/api/me', { bearer: session.access });
    if (r.status === 401 || Date.now() - loggedOut > 2000) {
      say(`   GET /api/me → ${r.status} (${Date.now() - loggedOut} ms after logout)`);
      show(r, [], ['www-authenticate']);
      if (r.status !== 401) throw new DemoStop(`the logged-out token still passed: ${r.status}`);
      break;
    }
    await sleep(50);
  }
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
  const client = new SmokeClient({ baseUrl: values['base-url'] ?? defaultBaseUrl() });
  say(`shardgate demo against ${client.baseUrl}`);
  say();
  try {
    await walk(client);
  } catch (error) {
    if (error instanceof UnreachableError) {
      say(`\n${error.message}.`);
      say('Is the stack running? Run `npm run up` first (or pass --base-url <url>).');
      return 1;
    }
    if (error instanceof DemoStop) {
      say(`\nThe demo stopped: ${error.message}`);
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
