import { readFileSync } from 'node:fs';
import type { Context } from 'koa';
import type { AuthDeps } from '../deps.js';

/** The OpenAPI document, read once; shipped next to dist/ in the package. */
const openApi = readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8');

/** Public metadata: JWKS, OpenID discovery, the OpenAPI document. */
export function wellKnownRoutes(deps: Pick<AuthDeps, 'keys' | 'config'>) {
  const issuer = deps.config.AUTH_ISSUER.replace(/\/$/, '');
  const discovery = {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    token_endpoint: `${issuer}/auth/token`,
    grant_types_supported: ['password', 'refresh_token'],
    response_types_supported: ['token'],
    token_endpoint_auth_methods_supported: ['none'],
    id_token_signing_alg_values_supported: ['EdDSA'],
    subject_types_supported: ['public'],
    claims_supported: ['sub', 'email', 'role', 'sid', 'iss', 'aud', 'exp', 'iat', 'jti'],
  };
  return {
    async jwks(ctx: Context) {
      ctx.set('Cache-Control', 'public, max-age=300');
      ctx.body = deps.keys.jwks;
    },
    async openidConfiguration(ctx: Context) {
      ctx.set('Cache-Control', 'public, max-age=300');
      ctx.body = discovery;
    },
    async openApiDocument(ctx: Context) {
      ctx.type = 'application/json';
      ctx.body = openApi;
    },
  };
}
