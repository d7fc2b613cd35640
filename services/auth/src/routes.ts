import Router from '@koa/router';
import type { AuthDeps } from './deps.js';
import type { AuthState } from './http/auth-state.js';
import { requireAdmin, requireIdentity } from './http/require-identity.js';
import { accountRoutes } from './routes/accounts.js';
import { browserSessionRoutes } from './routes/browser-session.js';
import { emailVerificationRoutes } from './routes/email-verification.js';
import { mfaRoutes } from './routes/mfa.js';
import { passwordResetRoutes } from './routes/password-reset.js';
import { tokenRoutes } from './routes/tokens.js';
import { introspection } from './routes/verify.js';
import { wellKnownRoutes } from './routes/well-known.js';

/**
 * Every route of the auth service, in one table. (`/verify`, the gateway's hot path, is a
 * middleware ahead of the router: see routes/verify.ts.)
 */
export function authRouter(deps: AuthDeps): Router<AuthState> {
  const router = new Router<AuthState>();
  const signedIn = requireIdentity(deps);
  const accounts = accountRoutes(deps);
  const tokens = tokenRoutes(deps);
  const verification = emailVerificationRoutes(deps);
  const reset = passwordResetRoutes(deps);
  const verify = introspection(deps);
  const wellKnown = wellKnownRoutes(deps);
  const mfa = mfaRoutes(deps);
  const browser = browserSessionRoutes(deps);

  router
    .post('/auth/register', accounts.register)
    .post('/auth/token', tokens.issueTokens)
    .post('/auth/login', tokens.login)
    .post('/auth/login/mfa', mfa.loginMfa)
    .post('/auth/refresh', tokens.refresh)
    .post('/auth/logout', signedIn, tokens.logout)
    .post('/auth/logout-all', signedIn, tokens.logoutAll)
    .get('/auth/me', signedIn, accounts.showMe)
    .patch('/auth/me', signedIn, accounts.updateMe)
    .post('/auth/password', signedIn, accounts.changePassword)
    .post('/auth/password/reset', reset.request)
    .post('/auth/password/reset/confirm', reset.complete)
    .post('/auth/email/verification', signedIn, verification.requestLink)
    .post('/auth/email/verify', verification.confirm)
    .post('/auth/mfa/totp', signedIn, mfa.enrolTotp)
    .post('/auth/mfa/totp/confirm', signedIn, mfa.confirmTotp)
    .delete('/auth/mfa/totp', signedIn, mfa.disableTotp)
    .get('/auth/users/:id', signedIn, requireAdmin, accounts.showUser)
    .patch('/auth/users/:id', signedIn, requireAdmin, accounts.administerUser)
    .delete('/auth/users/:id/mfa', signedIn, requireAdmin, mfa.resetUserMfa)
    .get('/auth/signin', browser.showSignin)
    .post('/auth/signin', browser.submitSignin)
    .post('/auth/signin/mfa', browser.submitMfa)
    .post('/auth/signout', browser.signOut)
    .post('/auth/session/refresh', browser.refreshSession)
    .get('/auth/signin.css', browser.stylesheet)
    .post('/auth/verify', verify.introspect)
    .get('/auth/openapi.json', wellKnown.openApiDocument)
    .get('/.well-known/jwks.json', wellKnown.jwks)
    .get('/.well-known/openid-configuration', wellKnown.openidConfiguration);
  return router;
}
