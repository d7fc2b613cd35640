/**
 * The smoke checks, in the order they run. Each proves one thing about a deployed edge (gateway
 * or ingress → auth → API) through its public URL only; docs/smoke.md lists what each proves.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  MemoryTokenStorage,
  REFRESH_PATH,
  type Schema,
  type WireResponse,
} from '@shardgate/client';
import { base32Decode } from '../../services/auth/src/domain/base32.js';
import { timeStep, totpAt } from '../../services/auth/src/domain/totp.js';
import {
  CheckFailure,
  ensure,
  expectStatus,
  fields,
  need,
  type Session,
  type SmokeContext,
} from './context.js';

/** One smoke check: a name for the report and a body that throws on failure. */
export interface SmokeCheck {
  readonly name: string;
  /** Resolves with a short, secret-free note for the report (e.g. the user id), or nothing. */
  readonly run: (ctx: SmokeContext) => Promise<string | undefined>;
}

const JWT_SHAPE = /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/;
const ORDER = {
  items: [
    { sku: 'SMOKE-1', quantity: 2, unitPriceCents: 1250 },
    { sku: 'smoke.pen_2', quantity: 1, unitPriceCents: 99 },
  ],
  currency: 'EUR',
};
const ORDER_TOTAL = 2 * 1250 + 99;

async function openIdConfiguration(ctx: SmokeContext): Promise<string> {
  const r = await ctx.client.send('GET', '/.well-known/openid-configuration');
  expectStatus(r, 200);
  const doc = fields(r);
  ensure(typeof doc.issuer === 'string', 'the OpenID configuration has no issuer');
  ensure(typeof doc.jwks_uri === 'string', 'the OpenID configuration has no jwks_uri');
  ensure(
    typeof doc.token_endpoint === 'string' && doc.token_endpoint.endsWith('/auth/token'),
    `token_endpoint should end with /auth/token, got ${JSON.stringify(doc.token_endpoint)}`,
  );
  const grants = Array.isArray(doc.grant_types_supported) ? doc.grant_types_supported : [];
  ensure(
    grants.includes('password') && grants.includes('refresh_token'),
    `grant_types_supported should list password and refresh_token, got ${JSON.stringify(grants)}`,
  );
  return `issuer ${doc.issuer}`;
}

async function jwks(ctx: SmokeContext): Promise<string> {
  const r = await ctx.client.send('GET', '/.well-known/jwks.json');
  expectStatus(r, 200);
  const keys = fields(r).keys;
  ensure(Array.isArray(keys) && keys.length > 0, 'the JWKS has no keys');
  const kids: string[] = [];
  for (const key of keys as Record<string, unknown>[]) {
    ensure(typeof key.kid === 'string' && typeof key.kty === 'string', 'a JWK lacks kid or kty');
    // a published private part would let anyone mint tokens: the worst possible misconfiguration
    ensure(!('d' in key), `the JWK ${key.kid} publishes its private key ("d")`);
    kids.push(key.kid);
  }
  ctx.state.jwksKids = kids;
  return `${kids.length} key(s): ${kids.join(', ')}`;
}

async function register(ctx: SmokeContext): Promise<string> {
  // random per run, so the suite never collides with an earlier run or another client
  const email = `smoke+${randomBytes(6).toString('hex')}@example.test`;
  const password = ctx.secrets.add(randomBytes(24).toString('base64url'));
  const r = await ctx.client.send('POST', '/auth/register', {
    json: { email, password, name: 'Smoke Test' },
  });
  if (r.status === 429) {
    const wait = r.headers.get('retry-after');
    throw new CheckFailure(
      `registration is rate limited (429): this client's IP address used up the auth service's ` +
        `REGISTRATIONS_PER_IP for this hour${wait ? `; retry in ${wait} s` : ''}. Where the suite ` +
        'runs often, raise the limit (local stack: `npm run down && STACK_AUTH_REGISTRATIONS_PER_IP=1000 npm run up`)',
    );
  }
  expectStatus(r, 201);
  const user = fields(r);
  ensure(typeof user.id === 'string' && /^\d+$/.test(user.id), 'the new user has no decimal id');
  ensure(user.email === email, `the new user's email is ${JSON.stringify(user.email)}`);
  ctx.state.user = { id: user.id, email, password };
  return `user ${user.id} <${email}>`;
}

/** Checks a token answer and registers both tokens as secrets. */
function readSession(ctx: SmokeContext, r: WireResponse, userId: string): Session {
  expectStatus(r, 200);
  const body = fields(r);
  const access = typeof body.access_token === 'string' ? body.access_token : undefined;
  const refresh = typeof body.refresh_token === 'string' ? body.refresh_token : undefined;
  ctx.secrets.add(access);
  ctx.secrets.add(refresh);
  ensure(access !== undefined && JWT_SHAPE.test(access), 'access_token is not a JWT');
  ensure(refresh !== undefined && refresh.length > 0, 'no refresh_token');
  ensure(body.token_type === 'Bearer', `token_type is ${JSON.stringify(body.token_type)}`);
  ensure(typeof body.expires_in === 'number' && body.expires_in > 0, 'expires_in is missing');
  ensure(body.user_id === userId, `user_id is ${JSON.stringify(body.user_id)}, not ${userId}`);
  ensure(
    (r.headers.get('cache-control') ?? '').includes('no-store'),
    'a token answer must carry Cache-Control: no-store',
  );
  return { access, refresh };
}

async function passwordGrant(ctx: SmokeContext): Promise<string> {
  const user = need(ctx.state.user, 'user');
  const r = await ctx.client.send('POST', '/auth/token', {
    form: { grant_type: 'password', username: user.email, password: user.password },
  });
  const session = readSession(ctx, r, user.id);
  // the token must be checkable with the published keys, or no resource server could accept it
  const header = JSON.parse(
    Buffer.from(session.access.split('.')[0] ?? '', 'base64url').toString(),
  ) as Record<string, unknown>;
  const kids = need(ctx.state.jwksKids, 'JWKS');
  ensure(
    typeof header.kid === 'string' && kids.includes(header.kid),
    `the access token's kid ${JSON.stringify(header.kid)} is not in the JWKS`,
  );
  ctx.state.formSession = session;
  return `${header.alg} token signed by ${header.kid}`;
}

/** GET /api/me with a token; checks the identity the API sees and its X-Shard. */
async function apiMe(ctx: SmokeContext, access: string): Promise<string> {
  const user = need(ctx.state.user, 'user');
  const r = await ctx.client.send('GET', '/api/me', { auth: { bearer: access } });
  expectStatus(r, 200);
  const shard = r.headers.get('x-shard');
  ensure(shard && shard !== 'none', `X-Shard should name the user's shard, got ${shard}`);
  const profile = fields(r);
  ensure(
    profile.userId === user.id,
    `the API sees user ${JSON.stringify(profile.userId)}, not ${user.id}`,
  );
  return shard;
}

async function me(ctx: SmokeContext): Promise<string> {
  const shard = await apiMe(ctx, need(ctx.state.formSession, 'session').access);
  return `user ${ctx.state.user?.id} on ${shard}`;
}

async function noToken(ctx: SmokeContext): Promise<string> {
  for (const bearer of [undefined, 'not-a-token']) {
    const r = await ctx.client.send('GET', '/api/me', { auth: bearer ? { bearer } : 'none' });
    expectStatus(r, 401);
    const challenge = r.headers.get('www-authenticate') ?? '';
    ensure(
      challenge.startsWith('Bearer'),
      `a 401 must carry WWW-Authenticate: Bearer ..., got ${JSON.stringify(challenge)}`,
    );
  }
  return 'no token and a malformed token: 401 with WWW-Authenticate';
}

async function createOrder(ctx: SmokeContext): Promise<string> {
  const { access } = need(ctx.state.formSession, 'session');
  const key = randomUUID();
  const first = await ctx.client.send('POST', '/api/orders', {
    auth: { bearer: access },
    json: ORDER,
    headers: { 'idempotency-key': key },
  });
  expectStatus(first, 201);
  const order = fields(first);
  ensure(typeof order.id === 'string', 'the new order has no id');
  ensure(order.status === 'pending', `a new order should be pending, is ${order.status}`);
  ensure(order.totalCents === ORDER_TOTAL, `totalCents is ${order.totalCents}, not ${ORDER_TOTAL}`);
  // a client retrying after a lost answer must get the same order back, never a second one
  const replay = await ctx.client.send('POST', '/api/orders', {
    auth: { bearer: access },
    json: ORDER,
    headers: { 'idempotency-key': key },
  });
  expectStatus(replay, 201);
  ensure(fields(replay).id === order.id, 'replaying the Idempotency-Key created a second order');
  ensure(
    replay.headers.get('idempotent-replayed') === 'true',
    'the replay lacks Idempotent-Replayed: true',
  );
  ctx.state.orderId = order.id;
  return `order ${order.id}, replay returned the same order`;
}

async function listOrders(ctx: SmokeContext): Promise<string> {
  const id = need(ctx.state.orderId, 'order');
  const r = await ctx.client.send('GET', '/api/orders', {
    auth: { bearer: need(ctx.state.formSession, 'session').access },
  });
  expectStatus(r, 200);
  const { items, nextCursor } = fields(r);
  ensure(Array.isArray(items), 'the list has no items array');
  ensure(nextCursor === null || typeof nextCursor === 'string', 'the list has no nextCursor');
  const ids = (items as Record<string, unknown>[]).map((o) => o.id);
  ensure(ids.length === 1 && ids[0] === id, `a fresh user should list exactly the one order`);
  return `1 order`;
}

async function getOrder(ctx: SmokeContext): Promise<string> {
  const id = need(ctx.state.orderId, 'order');
  const r = await ctx.client.send('GET', '/api/orders/{id}', {
    params: { id },
    auth: { bearer: need(ctx.state.formSession, 'session').access },
  });
  expectStatus(r, 200);
  const order = fields(r);
  ensure(order.id === id && order.status === 'pending', `got order ${order.id} (${order.status})`);
  return `pending, ${order.currency} ${order.totalCents}`;
}

async function cancelOrder(ctx: SmokeContext): Promise<string> {
  const id = need(ctx.state.orderId, 'order');
  const bearer = need(ctx.state.formSession, 'session').access;
  const cancel = {
    auth: { bearer },
    params: { id },
    json: { status: 'cancelled' as const },
  };
  const r = await ctx.client.send('PATCH', '/api/orders/{id}', cancel);
  expectStatus(r, 200);
  ensure(fields(r).status === 'cancelled', `the order is ${fields(r).status} after cancelling`);
  // the status machine holds at the edge too: a final state cannot be left
  const again = await ctx.client.send('PATCH', '/api/orders/{id}', cancel);
  expectStatus(again, 409);
  return 'cancelled; cancelling again: 409';
}

async function jsonLogin(ctx: SmokeContext): Promise<string> {
  const user = need(ctx.state.user, 'user');
  const r = await ctx.client.send('POST', '/auth/login', {
    json: { email: user.email, password: user.password },
  });
  ctx.state.jsonSession = readSession(ctx, r, user.id);
  return 'a second session';
}

async function refreshRotation(ctx: SmokeContext): Promise<string> {
  const user = need(ctx.state.user, 'user');
  const first = need(ctx.state.jsonSession, 'JSON-login session');
  const rotate = async (from: Session) => {
    const r = await ctx.client.send('POST', '/auth/refresh', {
      json: { refresh_token: from.refresh },
    });
    const next = readSession(ctx, r, user.id);
    ensure(next.refresh !== from.refresh, 'refresh returned the same refresh token');
    ensure(next.access !== from.access, 'refresh returned the same access token');
    return next;
  };
  const second = await rotate(first);
  const third = await rotate(second);
  // two generations behind the head: the reuse check replays it, and no grace forgives that
  ctx.state.spentRefresh = first.refresh;
  ctx.state.jsonSession = third;
  await apiMe(ctx, third.access);
  return 'rotated twice; each refresh answered a new pair; the newest access token works at /api';
}

/**
 * The SDK's promise at the edge: requests refused together (an access token the gateway refuses,
 * a good refresh token) share one refresh, and each succeeds on its one retry. Counted from the
 * answers this client saw, so it proves the client's side; the e2e suite counts at the service.
 */
async function sdkRefresh(ctx: SmokeContext): Promise<string> {
  const user = need(ctx.state.user, 'user');
  const session = need(ctx.state.jsonSession, 'JSON-login session');
  const storage = new MemoryTokenStorage({
    accessToken: 'not-a-token',
    refreshToken: session.refresh,
  });
  let refreshes = 0;
  const client = ctx.connect({
    storage,
    onResponse: (r) => {
      if (r.path !== REFRESH_PATH) return;
      refreshes++;
      ctx.secrets.add(fields(r).access_token as string | undefined);
      ctx.secrets.add(fields(r).refresh_token as string | undefined);
    },
  });
  const profiles = await Promise.all(Array.from({ length: 10 }, () => client.api.me()));
  ensure(
    profiles.every((p) => p.userId === user.id),
    'a retried request answered another user',
  );
  ensure(refreshes === 1, `10 requests refused together made ${refreshes} refreshes, not 1`);
  const next = await storage.get();
  ensure(next && next.refreshToken !== session.refresh, 'the refresh stored no new pair');
  ctx.state.jsonSession = { access: next.accessToken, refresh: next.refreshToken };
  return '10 requests refused together: 1 refresh, each retried once and answered 200';
}

/**
 * Polls /api/me with `access` until it answers 401, failing when a request sent later than the
 * deadline still passes. Timing starts at the revoking answer, and a request counts by when it
 * was sent, so the latency of a port-forward does not count against the service.
 */
async function refusedWithin(ctx: SmokeContext, access: string, since: number): Promise<number> {
  const deadline = ctx.settings.revocationDeadlineMs;
  for (;;) {
    const sentAfter = Date.now() - since;
    const r = await ctx.client.send('GET', '/api/me', { auth: { bearer: access } });
    if (r.status === 401) {
      ensure(
        (r.headers.get('www-authenticate') ?? '').startsWith('Bearer'),
        'the 401 lacks WWW-Authenticate',
      );
      return sentAfter;
    }
    expectStatus(r, 200); // anything else (403, 5xx) is a different failure: say so
    if (sentAfter > deadline) {
      throw new CheckFailure(`the revoked access token still passed /api ${sentAfter} ms later`);
    }
    await sleep(50);
  }
}

async function logout(ctx: SmokeContext): Promise<string> {
  const session = need(ctx.state.formSession, 'session');
  const r = await ctx.client.send('POST', '/auth/logout', { auth: { bearer: session.access } });
  expectStatus(r, 204);
  const ms = await refusedWithin(ctx, session.access, Date.now());
  const refresh = await ctx.client.send('POST', '/auth/refresh', {
    json: { refresh_token: session.refresh },
  });
  expectStatus(refresh, 401);
  ensure(fields(refresh).code === 'invalid_refresh_token', 'the refresh answered another code');
  // logout ends one session only: the JSON-login session must still work
  await apiMe(ctx, need(ctx.state.jsonSession, 'JSON-login session').access);
  return `refused at /api after ${ms} ms; its refresh token too; the other session still works`;
}

async function refreshReuse(ctx: SmokeContext): Promise<string> {
  const spent = need(ctx.state.spentRefresh, 'spent refresh token');
  const current = need(ctx.state.jsonSession, 'JSON-login session');
  const replay = await ctx.client.send('POST', '/auth/refresh', {
    json: { refresh_token: spent },
  });
  if (replay.status === 200) {
    ctx.secrets.add(fields(replay).access_token as string | undefined);
    ctx.secrets.add(fields(replay).refresh_token as string | undefined);
    throw new CheckFailure(
      'a refresh token two rotations old was accepted again: reuse detection is off, or the ' +
        'auth service forks refresh chains (a version before linear chains)',
    );
  }
  expectStatus(replay, 401);
  const code = fields(replay).code;
  ensure(code === 'invalid_refresh_token', `the replay answered ${code}`);
  const since = Date.now();
  // the reuse revoked the whole family: the newest refresh and access tokens die with it
  const family = await ctx.client.send('POST', '/auth/refresh', {
    json: { refresh_token: current.refresh },
  });
  expectStatus(family, 401);
  const ms = await refusedWithin(ctx, current.access, since);
  return `replay: 401 invalid_refresh_token; the session's newest tokens refused (/api after ${ms} ms)`;
}

async function verificationLink(ctx: SmokeContext): Promise<string> {
  const session = need(ctx.state.formSession, 'session');
  const r = await ctx.client.send('POST', '/auth/email/verification', {
    auth: { bearer: session.access },
  });
  // a fresh account is unverified: a link is mailed (the registration mailed one too)
  expectStatus(r, 202);
  const me = await ctx.client.send('GET', '/auth/me', { auth: { bearer: session.access } });
  expectStatus(me, 200);
  ensure(fields(me).emailVerified === false, 'a fresh account says its address is verified');
  return 'a new link is on its way; the account is not verified yet';
}

async function passwordResetRequest(ctx: SmokeContext): Promise<string> {
  const user = need(ctx.state.user, 'user');
  const r = await ctx.client.send('POST', '/auth/password/reset', {
    json: { email: user.email },
  });
  expectStatus(r, 202);
  ensure(
    r.body === undefined,
    'the reset request answered a body: it must say nothing of the address',
  );
  return '202, no body (the same for any address)';
}

async function linksRefused(ctx: SmokeContext): Promise<string> {
  // a well-formed token nobody issued: the links' endpoints are routed, read JSON, and refuse it
  // with their problem, changing nothing (the real tokens are only in the mail, not read here)
  const token = ctx.secrets.add(randomBytes(32).toString('base64url'));
  const verify = await ctx.client.send('POST', '/auth/email/verify', { json: { token } });
  expectStatus(verify, 400);
  ensure(fields(verify).code === 'invalid_link_token', `verify answered ${fields(verify).code}`);
  const password = ctx.secrets.add(randomBytes(24).toString('base64url'));
  const reset = await ctx.client.send('POST', '/auth/password/reset/confirm', {
    json: { token, password },
  });
  expectStatus(reset, 400);
  ensure(fields(reset).code === 'invalid_link_token', `the reset answered ${fields(reset).code}`);
  return 'an unknown link token: 400 invalid_link_token from both';
}

async function adminMfaResetRefused(ctx: SmokeContext): Promise<string> {
  const user = need(ctx.state.user, 'user');
  const session = need(ctx.state.formSession, 'session');
  const r = await ctx.client.send('DELETE', '/auth/users/{id}/mfa', {
    params: { id: user.id },
    auth: { bearer: session.access },
  });
  expectStatus(r, 403);
  ensure(fields(r).code === 'forbidden', `the reset answered ${fields(r).code}`);
  return 'a user who is no admin: 403 forbidden';
}

/** The code of the current 30 s step of a base32 TOTP seed, as an authenticator app shows it. */
const totpNow = (secret: string) => totpAt(base32Decode(secret), timeStep(Date.now()));

async function mfa(ctx: SmokeContext): Promise<string> {
  const user = need(ctx.state.user, 'user');
  const session = need(ctx.state.jsonSession, 'JSON-login session');
  // the access token alone must not start an enrolment: the account's password goes with it
  const tokenOnly = await ctx.client.send('POST', '/auth/mfa/totp', {
    auth: { bearer: session.access },
    json: {} as Schema<'TotpEnrolmentRequest'>, // without the password on purpose
  });
  expectStatus(tokenOnly, 422);
  const enrol = await ctx.client.send('POST', '/auth/mfa/totp', {
    auth: { bearer: session.access },
    json: { current_password: user.password },
  });
  expectStatus(enrol, 200);
  const secret = ctx.secrets.add(fields(enrol).secret as string | undefined);
  ensure(typeof secret === 'string', 'the enrolment answered no secret');
  const confirm = await ctx.client.send('POST', '/auth/mfa/totp/confirm', {
    auth: { bearer: session.access },
    json: { code: ctx.secrets.add(totpNow(secret)) },
  });
  expectStatus(confirm, 200);
  const codes = fields(confirm).recovery_codes;
  ensure(Array.isArray(codes) && codes.length === 10, 'the confirmation answered no ten codes');
  for (const code of codes) ctx.secrets.add(code as string);
  // the password alone no longer logs in: a second step with a recovery code does
  const first = await ctx.client.send('POST', '/auth/login', {
    json: { email: user.email, password: user.password },
  });
  expectStatus(first, 401);
  ensure(fields(first).code === 'mfa_required', `the login answered ${fields(first).code}`);
  const mfaToken = ctx.secrets.add(fields(first).mfa_token as string | undefined);
  ensure(typeof mfaToken === 'string', 'the mfa_required answer has no mfa_token');
  const second = await ctx.client.send('POST', '/auth/login/mfa', {
    json: { mfa_token: mfaToken, recovery_code: codes[0] },
  });
  const tokens = readSession(ctx, second, user.id);
  const off = await ctx.client.send('DELETE', '/auth/mfa/totp', {
    auth: { bearer: tokens.access },
    json: { recovery_code: codes[1] },
  });
  expectStatus(off, 204);
  return 'enrolment refused without the password, then enrolled, confirmed, logged in with a recovery code, turned off with another';
}

/** Every check, in the order it must run (later checks use what earlier ones learned). */
export const SMOKE_CHECKS: readonly SmokeCheck[] = [
  { name: 'discovery: openid-configuration', run: openIdConfiguration },
  { name: 'discovery: JWKS', run: jwks },
  { name: 'register a fresh user', run: register },
  { name: 'token: password grant (form)', run: passwordGrant },
  { name: 'api: GET /api/me', run: me },
  { name: 'email: a new verification link', run: verificationLink },
  { name: 'password reset: request answered 202', run: passwordResetRequest },
  { name: 'links: an unknown token refused', run: linksRefused },
  { name: 'admin: MFA reset refused to a user', run: adminMfaResetRefused },
  { name: 'api: no token → 401', run: noToken },
  { name: 'orders: create (Idempotency-Key replay)', run: createOrder },
  { name: 'orders: list', run: listOrders },
  { name: 'orders: get', run: getOrder },
  { name: 'orders: cancel', run: cancelOrder },
  { name: 'login: JSON', run: jsonLogin },
  { name: 'mfa: enrol, confirm, two-step login, turn off', run: mfa },
  { name: 'refresh: rotation', run: refreshRotation },
  { name: 'sdk: one refresh for 10 refused requests', run: sdkRefresh },
  { name: 'logout: token refused at /api', run: logout },
  { name: 'refresh: reuse revokes the session', run: refreshReuse },
];
