import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { itKeepsTheCommonContract } from '../../../../tests/support/openapi-contract.js';
import {
  operationsOf,
  resolvePointerIn,
  strings,
} from '../../../../tests/support/openapi-document.js';
import { AUTH_PROBLEMS } from '../../src/problems.js';

interface Operation {
  readonly operationId?: string;
  readonly responses: Record<string, unknown>;
}
type PathItem = Record<string, unknown>;
interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly version: string };
  readonly servers: readonly { readonly url: string; readonly description?: string }[];
  readonly paths: Record<string, PathItem>;
  readonly components: { readonly schemas: Record<string, { readonly enum?: unknown[] }> };
}

const DOCUMENT = new URL('../../openapi.json', import.meta.url).pathname;
const raw = readFileSync(DOCUMENT, 'utf8');
const doc = JSON.parse(raw) as OpenApiDocument;

const EVERY_METHOD = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'];

/** The auth service's HTTP contract: path → methods (design §3, the decisions of issues 3 and 14). */
const CONTRACT: Record<string, readonly string[]> = {
  '/auth/register': ['post'],
  '/auth/token': ['post'],
  '/auth/login': ['post'],
  '/auth/login/mfa': ['post'],
  '/auth/refresh': ['post'],
  '/auth/logout': ['post'],
  '/auth/logout-all': ['post'],
  '/auth/me': ['get', 'patch'],
  '/auth/password': ['post'],
  '/auth/password/reset': ['post'],
  '/auth/password/reset/confirm': ['post'],
  '/auth/email/verification': ['post'],
  '/auth/email/verify': ['post'],
  '/auth/mfa/totp': ['post', 'delete'],
  '/auth/mfa/totp/confirm': ['post'],
  '/auth/users/{id}': ['get', 'patch'],
  '/auth/users/{id}/mfa': ['delete'],
  '/auth/verify': ['post'],
  '/auth/signin': ['get', 'post'],
  '/auth/signin/mfa': ['post'],
  '/auth/signout': ['post'],
  '/auth/session/refresh': ['post'],
  '/auth/signin.css': ['get'],
  '/verify': EVERY_METHOD,
  '/verify/{path}': EVERY_METHOD,
  '/.well-known/jwks.json': ['get'],
  '/.well-known/openid-configuration': ['get'],
  '/auth/openapi.json': ['get'],
  '/healthz': ['get'],
  '/readyz': ['get'],
};

/** The RFC 6749 §5.2 `error` values of `/auth/token`. */
const OAUTH_ERRORS = [
  'invalid_request',
  'invalid_grant',
  'unsupported_grant_type',
  'rate_limited',
  'temporarily_unavailable',
];

/** The `errors[].code` reasons of `weak_password`. */
const WEAK_PASSWORD_REASONS = ['too_short', 'too_long_bytes', 'too_common', 'too_weak'];

const operations = () => operationsOf<Operation>(doc.paths);
const resolvePointer = (pointer: string) => resolvePointerIn(doc, pointer);

describe('services/auth/openapi.json', () => {
  itKeepsTheCommonContract({ document: DOCUMENT, paths: CONTRACT, problems: AUTH_PROBLEMS });

  it('lists the token endpoint’s OAuth errors and the weak-password reasons', () => {
    const all = strings(doc);
    for (const code of [...OAUTH_ERRORS, ...WEAK_PASSWORD_REASONS]) {
      expect(all.has(code), code).toBe(true);
    }
    expect(doc.components.schemas.WeakPasswordReason?.enum).toEqual(WEAK_PASSWORD_REASONS);
    // the catalogue's OAuth-shaped codes are documented as the token endpoint's errors
    const oauthErrors = resolvePointer('#/components/schemas/OAuthError/properties/error/enum');
    for (const problem of Object.values(AUTH_PROBLEMS).filter((p) => p.shape === 'oauth')) {
      expect(oauthErrors, problem.code).toContain(problem.code);
    }
    expect(oauthErrors).toEqual(OAUTH_ERRORS);
  });

  it('answers /verify only with 200, 401 or 403, and GET/HEAD also 302 (the signin=1 mode)', () => {
    for (const [path, method, op] of operations()) {
      if (path !== '/verify' && path !== '/verify/{path}') continue;
      // the redirect is for Traefik, which relays it; ingress-nginx (X-Sent-From) never gets one
      const statuses = method === 'get' || method === 'head' ? ['200', '302'] : ['200'];
      expect(Object.keys(op.responses).sort(), `${method} ${path}`).toEqual([
        ...statuses,
        '401',
        '403',
      ]);
    }
  });
});
