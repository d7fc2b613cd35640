import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  BASELINE_SECURITY_HEADERS,
  HttpError,
  INVALID_TOKEN_CHALLENGE,
  PROBLEM_TYPE_BASE,
  problemBody,
  readCookie,
  readJsonBody,
  requestIdFrom,
  SESSION_COOKIES,
  validateBody,
} from '@shardgate/shared';
import type { Middleware } from 'koa';
import type { AuthDeps } from '../deps.js';
import { type CsrfRefusal, claimsUnsafeMethod, csrfRefusal } from '../domain/csrf.js';
import { invalidToken } from '../domain/errors.js';
import { type Identity, type Resolution, resolveAccessToken } from '../domain/identity.js';
import { redirectPolicy } from '../domain/redirect-target.js';
import type { AuthState } from '../http/auth-state.js';
import { gatewayCredentials } from '../http/gateway-credentials.js';
import { introspectBody } from '../http/schemas.js';
import { signinLocation, wantsSigninRedirect } from '../http/signin-redirect.js';
import type { VerifyOutcome } from '../metrics.js';
import { AUTH_PROBLEMS } from '../problems.js';

/** True for the gateway's paths: `/verify` and anything under it, whatever the method or query. */
export function isGatewayVerifyPath(url: string): boolean {
  return url === '/verify' || url.startsWith('/verify/') || url.startsWith('/verify?');
}

/** A problem+json body rendered once: `/verify` answers the same few bodies millions of times. */
const body = (error: HttpError): string => JSON.stringify(problemBody(error, PROBLEM_TYPE_BASE));
const UNAUTHORIZED_BODY = body(invalidToken());
const UNAUTHORIZED_LENGTH = String(Buffer.byteLength(UNAUTHORIZED_BODY));
const REFUSALS = {
  inactive: body(new HttpError(AUTH_PROBLEMS.user_inactive, 'The account is deactivated.')),
  unverified: body(
    new HttpError(
      AUTH_PROBLEMS.email_unverified,
      'The account has not verified its email address.',
    ),
  ),
  csrf_origin: body(
    new HttpError(AUTH_PROBLEMS.csrf_origin, 'The request comes from an origin not allowed.'),
  ),
  csrf_token: body(
    new HttpError(AUTH_PROBLEMS.csrf_token, 'X-CSRF-Token does not match the CSRF cookie.'),
  ),
} as const;
const AMBIGUOUS_BODY = body(
  new HttpError(
    AUTH_PROBLEMS.credentials_ambiguous,
    'Send a bearer token or the session cookie, not both.',
  ),
);
const AMBIGUOUS_LENGTH = String(Buffer.byteLength(AMBIGUOUS_BODY));
/** RFC 6750 §3.1: a request with two credentials is malformed. */
const AMBIGUOUS_CHALLENGE =
  'Bearer error="invalid_request", error_description="bearer token and session cookie together"';

type Outcome = VerifyOutcome;
type Decision =
  | { readonly outcome: 'allowed'; readonly identity: Identity }
  | { readonly outcome: Exclude<Outcome, 'allowed'>; readonly userId?: number };

/**
 * The ingress-nginx `auth-url` target (docs/ingress-contract.md), served by plain
 * `node:http` ahead of Koa: it is the gateway's hot path, called once per API request, and Koa's
 * per-request context, logger and middleware cost more than the (cached) check itself.
 *
 * Answers 200 (empty, with X-User-Id, X-User-Email, X-User-Email-Verified, X-User-Role,
 * X-Session-Id), 401 (with `WWW-Authenticate`) or 403 (inactive user; with
 * REQUIRE_VERIFIED_EMAIL, an unverified address; a cookie request failing the CSRF checks), on
 * any method and sub-path; and, only in the redirect mode a browser app's auth-url asks for
 * (`?signin=1`, see http/signin-redirect.ts), 302 to the sign-in page for a refused navigation.
 *
 * The credential is the Authorization header or the session's access cookie, never both
 * (401 `credentials_ambiguous`). The original method (`X-Original-Method`, `X-Forwarded-Method`),
 * `Sec-Fetch-Site`, `Origin` and `X-CSRF-Token` are read only for the CSRF check of a cookie
 * request, where a forged value can only ask for more checks; the identity never depends on
 * X-Original-*, X-Forwarded-* or any other header a client may have forged. If a dependency fails,
 * it denies.
 *
 * Every answer is `Cache-Control: no-store`. Beyond it the 200 carries only the identity headers:
 * only the gateway reads it, and Gateway API's ExternalAuth copies every header of it into the
 * request to the backend. A 401, 403 or 302 also carries the baseline security headers, since
 * Traefik and Envoy relay it to the client as it is. Never HSTS: `/verify` believes no forwarded
 * header, so it cannot know the client's protocol (an edge that relays denials can add its own).
 */
export function gatewayVerify(
  deps: Pick<AuthDeps, 'tokens' | 'state' | 'metrics' | 'logger' | 'config'>,
) {
  // One line per refusal at info, so a refused request's gateway id can be followed into this
  // log (the API never sees it); an allowed check's line at VERIFY_LOG_LEVEL, `debug` unless
  // asked for, since it cost a fifth of the hot path and the API logs that id anyway. Levels are
  // read once because the check itself is cheaper than a per-request level lookup.
  const allowedLevel = deps.config.VERIFY_LOG_LEVEL;
  const requireVerified = deps.config.REQUIRE_VERIFIED_EMAIL;
  const policy = redirectPolicy(deps.config);
  // Redaction costs about 11 µs a line (4x the line itself) and this line only ever holds the
  // fixed, non-secret fields below (the request id already mapped by requestIdFrom), so its logger
  // skips it. Anything else about a request goes through deps.logger, which redacts.
  const verifyLog = deps.logger.child({}, { redact: [] });
  const logsAllowed = verifyLog.isLevelEnabled(allowedLevel);
  const logsRefused = verifyLog.isLevelEnabled('info');

  /** The decision, at once when the caches hold the answer (most checks), else as a promise. */
  function decide(req: IncomingMessage): Decision | Promise<Decision> {
    const credentials = gatewayCredentials(req.headers);
    if (credentials.kind === 'ambiguous') return { outcome: 'credentials_ambiguous' };
    const token = credentials.kind === 'none' ? null : credentials.token;
    let resolution: Resolution | Promise<Resolution>;
    try {
      resolution = resolveAccessToken(token, deps.tokens, deps.state);
    } catch (error) {
      return denied(req, error);
    }
    return resolution instanceof Promise
      ? resolution.then(
          (settled) => judge(req, credentials.kind, settled),
          (error: unknown) => denied(req, error),
        )
      : judge(req, credentials.kind, resolution);
  }

  /** A dependency failed (Postgres, say): the check denies, and says why in the log. */
  function denied(req: IncomingMessage, error: unknown): Decision {
    deps.logger.error(
      { err: error, reqId: requestIdFrom(req.headers['x-request-id']) },
      'verify could not check the token; denying',
    );
    return { outcome: 'error' };
  }

  /** What the gateway is told about a resolved credential. */
  function judge(
    req: IncomingMessage,
    kind: 'bearer' | 'cookie' | 'none',
    resolution: Resolution,
  ): Decision {
    if (resolution.outcome !== 'allowed') return { outcome: resolution.outcome };
    const { identity } = resolution;
    if (requireVerified && !identity.emailVerified)
      return { outcome: 'unverified', userId: identity.userId };
    if (kind === 'cookie') {
      const refusal = cookieCsrfRefusal(req, policy.origins);
      if (refusal) return { outcome: refusal, userId: identity.userId };
    }
    return { outcome: 'allowed', identity };
  }

  return function verifyForGateway(
    req: IncomingMessage,
    res: ServerResponse,
  ): void | Promise<void> {
    const started = performance.now();
    const decision = decide(req);
    if (decision instanceof Promise)
      return decision.then((settled) => answer(req, res, settled, started));
    answer(req, res, decision, started);
  };

  function answer(
    req: IncomingMessage,
    res: ServerResponse,
    decision: Decision,
    started: number,
  ): void {
    const head = req.method === 'HEAD';
    let status: number;
    if (decision.outcome === 'allowed') {
      const { identity } = decision;
      status = 200;
      res.writeHead(200, {
        'Cache-Control': 'no-store',
        'X-User-Id': String(identity.userId),
        'X-User-Email': identity.email,
        'X-User-Email-Verified': identity.emailVerified ? 'true' : 'false',
        'X-User-Role': identity.role,
        'X-Session-Id': identity.sessionId,
        'Content-Length': '0',
      });
      res.end();
    } else if (isForbidden(decision.outcome)) {
      status = 403;
      res.writeHead(403, {
        ...BASELINE_SECURITY_HEADERS,
        'Cache-Control': 'no-store',
        'Content-Type': 'application/problem+json',
      });
      res.end(head ? undefined : REFUSALS[decision.outcome]);
    } else if (decision.outcome !== 'error' && wantsSigninRedirect(req)) {
      status = 302;
      res.writeHead(302, {
        ...BASELINE_SECURITY_HEADERS,
        'Cache-Control': 'no-store',
        Location: signinLocation(req, policy),
        'Content-Length': '0',
      });
      res.end();
    } else {
      status = 401;
      const ambiguous = decision.outcome === 'credentials_ambiguous';
      const refusal = ambiguous ? AMBIGUOUS_BODY : UNAUTHORIZED_BODY;
      res.writeHead(401, {
        ...BASELINE_SECURITY_HEADERS,
        'Cache-Control': 'no-store',
        'Content-Type': 'application/problem+json',
        'WWW-Authenticate': ambiguous ? AMBIGUOUS_CHALLENGE : INVALID_TOKEN_CHALLENGE,
        'Content-Length': ambiguous ? AMBIGUOUS_LENGTH : UNAUTHORIZED_LENGTH,
      });
      res.end(head ? undefined : refusal);
    }
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.verifyOutcome(decision.outcome);
    deps.metrics.observeRequest({ method: req.method ?? 'GET', route: '/verify', status }, seconds);
    const allowed = decision.outcome === 'allowed';
    if (allowed ? logsAllowed : logsRefused) {
      verifyLog[allowed ? allowedLevel : 'info'](
        {
          reqId: requestIdFrom(req.headers['x-request-id']),
          status,
          outcome: decision.outcome,
          userId: decision.outcome === 'allowed' ? decision.identity.userId : decision.userId,
          ms: Math.round(seconds * 1e4) / 10,
        },
        'verify',
      );
    }
  }
}

function isForbidden(outcome: Outcome): outcome is keyof typeof REFUSALS {
  return Object.hasOwn(REFUSALS, outcome);
}

/** The CSRF verdict on a cookie request whose original method (by any account) is unsafe. */
function cookieCsrfRefusal(req: IncomingMessage, origins: ReadonlySet<string>): CsrfRefusal | null {
  const h = req.headers;
  const one = (v: string | string[] | undefined) => (typeof v === 'string' ? v : undefined);
  if (!claimsUnsafeMethod([one(h['x-original-method']), one(h['x-forwarded-method']), req.method]))
    return null;
  return csrfRefusal(
    {
      secFetchSite: one(h['sec-fetch-site']),
      origin: one(h.origin),
      echoedToken: one(h['x-csrf-token']),
      cookieToken: readCookie(h.cookie, SESSION_COOKIES.csrf),
    },
    origins,
  );
}

/** Sends `/verify` to {@link gatewayVerify} and everything else to the Koa app. */
export function withGatewayVerify(
  deps: Pick<AuthDeps, 'tokens' | 'state' | 'metrics' | 'logger' | 'config'>,
  koa: RequestListener,
): RequestListener {
  const verify = gatewayVerify(deps);
  // not reachable in practice: the handler catches its own failures; still never leave a socket hanging
  const failed = (res: ServerResponse, error: unknown) => {
    deps.logger.error({ err: error }, 'verify handler failed');
    if (!res.headersSent) res.writeHead(401, { 'WWW-Authenticate': INVALID_TOKEN_CHALLENGE });
    res.end();
  };
  return function route(req, res) {
    if (isGatewayVerifyPath(req.url ?? '')) {
      try {
        verify(req, res)?.catch((error: unknown) => failed(res, error));
      } catch (error) {
        failed(res, error);
      }
    } else {
      koa(req, res);
    }
  };
}

/** `POST /auth/verify` `{token}`: the same check for callers that cannot use a header. */
export function introspection(deps: Pick<AuthDeps, 'tokens' | 'state'>) {
  return {
    async introspect(ctx: Parameters<Middleware<AuthState>>[0]) {
      const body = validateBody(introspectBody, await readJsonBody(ctx));
      const token = body.token ?? body.access ?? null;
      const resolution = await resolveAccessToken(token, deps.tokens, deps.state);
      if (resolution.outcome !== 'allowed') throw invalidToken();
      const { identity } = resolution;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        valid: true,
        user_id: String(identity.userId),
        email: identity.email,
        role: identity.role,
        session_id: identity.sessionId,
        exp: identity.claims.exp,
      };
    },
  };
}
