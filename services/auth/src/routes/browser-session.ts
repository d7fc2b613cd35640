import { HttpError, readCookie, SESSION_COOKIES } from '@shardgate/shared';
import type { Context } from 'koa';
import type { AuthDeps } from '../deps.js';
import { csrfRefusal } from '../domain/csrf.js';
import { resolveAccessToken } from '../domain/identity.js';
import { redirectPolicy, safeRedirect } from '../domain/redirect-target.js';
import type { TokenPair } from '../domain/sessions.js';
import type { AuthState } from '../http/auth-state.js';
import { clientIp } from '../http/client-ip.js';
import {
  csrfEvidence,
  csrfTokenOf,
  formTokenMatches,
  readPageForm,
  setPageHeaders,
} from '../http/page-form.js';
import { loginEmail, password as passwordSchema, secondFactorOf } from '../http/schemas.js';
import { clearedSessionCookies, sessionCookies } from '../http/session-cookie-headers.js';
import { SIGNIN_PATH } from '../http/signin-redirect.js';
import {
  type FormContext,
  mfaPage,
  type PageMessage,
  SIGNIN_STYLESHEET,
  signinPage,
} from '../pages/signin-page.js';
import { AUTH_PROBLEMS } from '../problems.js';

type Ctx = Context & { state: AuthState };
type Deps = Pick<AuthDeps, 'accounts' | 'sessions' | 'mfa' | 'tokens' | 'state' | 'config'>;

const error = (text: string): PageMessage => ({ kind: 'error', text });
/** One message for a wrong password and for an unknown or deactivated account alike. */
const WRONG_CREDENTIALS = error('The email or password is incorrect.');
const FORM_EXPIRED = error('This form has expired. Please try again.');

/** The page's answer to a refused sign-in step: its status, and what the user is told. */
function refusal(e: unknown): {
  status: number;
  message: PageMessage;
  headers?: Readonly<Record<string, string>>;
} {
  if (!(e instanceof HttpError)) throw e;
  switch (e.code) {
    case 'invalid_credentials':
      return { status: 401, message: WRONG_CREDENTIALS };
    case 'invalid_mfa_code':
      return { status: 401, message: error('The code is incorrect or was already used.') };
    case 'rate_limited':
      return {
        status: 429,
        message: error('Too many attempts. Please wait a few minutes and try again.'),
        headers: e.headers,
      };
    case 'busy':
      return {
        status: 503,
        message: error('The service is busy. Please try again in a moment.'),
        headers: e.headers,
      };
    default:
      throw e;
  }
}

/**
 * The browser's sign-in: `GET /auth/signin` (the form, or straight back to `rd` when the cookies
 * still hold a session, rotating the refresh cookie if the access cookie has expired),
 * `POST /auth/signin` (email and password), `POST /auth/signin/mfa` (the second step),
 * `POST /auth/signout`, and `POST /auth/session/refresh` for pages that rotate without a
 * navigation. A browser session is an ordinary session: every revocation applies to it.
 */
export function browserSessionRoutes(deps: Deps) {
  const policy = redirectPolicy(deps.config);
  const refreshTtl = deps.config.REFRESH_TOKEN_TTL_SECONDS;

  function formContext(ctx: Ctx, rd: string | undefined): FormContext {
    return { csrf: csrfTokenOf(ctx, refreshTtl), rd: safeRedirect(rd, policy) };
  }

  function signIn(ctx: Ctx, pair: TokenPair, rd: string): void {
    for (const cookie of sessionCookies(pair, refreshTtl)) ctx.append('Set-Cookie', cookie);
    ctx.redirect(rd);
    ctx.status = 303;
  }

  function render(
    ctx: Ctx,
    status: number,
    page: string,
    headers?: Readonly<Record<string, string>>,
  ): void {
    setPageHeaders(ctx, policy.origins);
    if (headers) ctx.set({ ...headers });
    ctx.status = status;
    ctx.body = page;
  }

  /** A page POST passes only with the form's token and without a foreign origin. */
  function pagePostAllowed(ctx: Ctx, form: Map<string, string>): boolean {
    return (
      formTokenMatches(ctx, form) &&
      csrfRefusal(csrfEvidence(ctx, form.get('csrf')), policy.origins) === null
    );
  }

  /** The session still in the cookies, rotated if needed; null when there is none to resume. */
  async function resume(ctx: Ctx): Promise<TokenPair | 'live' | null> {
    const cookie = ctx.get('Cookie');
    const access = readCookie(cookie, SESSION_COOKIES.access);
    const resolution = await resolveAccessToken(access, deps.tokens, deps.state);
    if (resolution.outcome === 'allowed') return 'live';
    const refresh = readCookie(cookie, SESSION_COOKIES.refresh);
    if (refresh === null) return null;
    try {
      return await deps.sessions.refresh(refresh);
    } catch (e) {
      if (e instanceof HttpError && e.code === 'invalid_refresh_token') {
        for (const c of clearedSessionCookies()) ctx.append('Set-Cookie', c);
        return null;
      }
      throw e;
    }
  }

  return {
    /** `GET /auth/signin?rd=…`: the form, or back to `rd` when a session can be resumed. */
    async showSignin(ctx: Ctx) {
      const rd = safeRedirect(
        ctx.query.rd === undefined ? undefined : String(ctx.query.rd),
        policy,
      );
      ctx.set('Cache-Control', 'no-store');
      const resumed = await resume(ctx);
      if (resumed === 'live') {
        ctx.redirect(rd);
        ctx.status = 303;
        return;
      }
      if (resumed !== null) return signIn(ctx, resumed, rd);
      const notice: PageMessage | undefined =
        ctx.query.signed_out === '1' ? { kind: 'notice', text: 'You have signed out.' } : undefined;
      render(ctx, 200, signinPage(formContext(ctx, rd), notice));
    },

    /** `POST /auth/signin`: email and password; then the MFA step, or the session and `rd`. */
    async submitSignin(ctx: Ctx) {
      const form = await readPageForm(ctx);
      const context = formContext(ctx, form?.get('rd'));
      if (!form || !pagePostAllowed(ctx, form))
        return render(ctx, 403, signinPage(context, FORM_EXPIRED));
      const email = loginEmail.safeParse(form.get('email') ?? '');
      const password = passwordSchema.safeParse(form.get('password') ?? '');
      const typed = email.success ? email.data : '';
      if (!email.success || !password.success)
        return render(ctx, 400, signinPage(context, WRONG_CREDENTIALS, typed));
      try {
        const user = await deps.accounts.authenticate(email.data, password.data, clientIp(ctx));
        const mfaToken = await deps.mfa.openChallenge(user);
        if (mfaToken !== null) return render(ctx, 200, mfaPage(context, mfaToken));
        signIn(ctx, await deps.sessions.start(user), context.rd);
      } catch (e) {
        const r = refusal(e);
        render(ctx, r.status, signinPage(context, r.message, typed), r.headers);
      }
    },

    /** `POST /auth/signin/mfa`: the challenge of the first step and a TOTP or recovery code. */
    async submitMfa(ctx: Ctx) {
      const form = await readPageForm(ctx);
      const context = formContext(ctx, form?.get('rd'));
      if (!form || !pagePostAllowed(ctx, form))
        return render(ctx, 403, signinPage(context, FORM_EXPIRED));
      const mfaToken = form.get('mfa_token') ?? '';
      const code = (form.get('code') ?? '').trim();
      if (mfaToken.length > 512 || code.length === 0 || code.length > 64)
        return render(ctx, 400, mfaPage(context, mfaToken.slice(0, 512), error('Enter a code.')));
      try {
        signIn(ctx, await deps.mfa.completeLogin(mfaToken, secondFactorOf({ code })), context.rd);
      } catch (e) {
        if (e instanceof HttpError && e.code === 'invalid_mfa_token') {
          const expired = error('The sign-in took too long. Please start again.');
          return render(ctx, 401, signinPage(context, expired));
        }
        const r = refusal(e);
        render(ctx, r.status, mfaPage(context, mfaToken, r.message), r.headers);
      }
    },

    /** `POST /auth/signout`: revokes the cookies' session, clears them, back to the sign-in page. */
    async signOut(ctx: Ctx) {
      const form = (await readPageForm(ctx)) ?? new Map<string, string>();
      const refused = csrfRefusal(csrfEvidence(ctx, form.get('csrf')), policy.origins);
      if (refused)
        throw new HttpError(AUTH_PROBLEMS[refused], 'Sign-out refused: CSRF check failed.');
      const cookie = ctx.get('Cookie');
      const access = readCookie(cookie, SESSION_COOKIES.access);
      const resolution = await resolveAccessToken(access, deps.tokens, deps.state);
      const refresh = readCookie(cookie, SESSION_COOKIES.refresh);
      if (resolution.outcome === 'allowed' || resolution.outcome === 'inactive')
        await deps.sessions.logout(resolution.identity);
      // both, when they name different sessions: whatever the browser held ends here
      if (refresh !== null) await deps.sessions.logoutByRefreshToken(refresh);
      for (const c of clearedSessionCookies()) ctx.append('Set-Cookie', c);
      ctx.set('Cache-Control', 'no-store');
      ctx.redirect(`${SIGNIN_PATH}?signed_out=1`);
      ctx.status = 303;
    },

    /** `POST /auth/session/refresh`: rotates the cookies without a navigation; 204. */
    async refreshSession(ctx: Ctx) {
      ctx.set('Cache-Control', 'no-store');
      const refused = csrfRefusal(csrfEvidence(ctx, undefined), policy.origins);
      if (refused)
        throw new HttpError(AUTH_PROBLEMS[refused], 'Refresh refused: CSRF check failed.');
      const refresh = readCookie(ctx.get('Cookie'), SESSION_COOKIES.refresh);
      try {
        const pair = await deps.sessions.refresh(refresh ?? '');
        for (const c of sessionCookies(pair, refreshTtl)) ctx.append('Set-Cookie', c);
        ctx.status = 204;
      } catch (e) {
        if (e instanceof HttpError && e.code === 'invalid_refresh_token')
          for (const c of clearedSessionCookies()) ctx.append('Set-Cookie', c);
        throw e;
      }
    },

    /** `GET /auth/signin.css`: the pages' only style, a file so the CSP needs no inline style. */
    stylesheet(ctx: Ctx) {
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.type = 'text/css; charset=utf-8';
      ctx.body = SIGNIN_STYLESHEET;
    },
  };
}
