import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { problemCodeSchema } from '@shardgate/shared';
import { describe, expect, it } from 'vitest';
import {
  methodsOf,
  objects,
  operationsOf,
  resolvePointerIn,
  strings,
} from '../../../../tests/support/openapi-document.js';
import { expectGeneratedProblemCodes } from '../../../../tests/support/openapi-problem-codes.js';
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

const EVERY_METHOD = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

/** The auth service's HTTP contract: path → methods (design §3 and the decisions of issue 3). */
const CONTRACT: Record<string, readonly string[]> = {
  '/auth/register': ['post'],
  '/auth/token': ['post'],
  '/auth/login': ['post'],
  '/auth/refresh': ['post'],
  '/auth/logout': ['post'],
  '/auth/logout-all': ['post'],
  '/auth/me': ['get', 'patch'],
  '/auth/password': ['post'],
  '/auth/users/{id}': ['get', 'patch'],
  '/auth/verify': ['post'],
  '/verify': EVERY_METHOD,
  '/verify/{path}': EVERY_METHOD,
  '/.well-known/jwks.json': ['get'],
  '/.well-known/openid-configuration': ['get'],
  '/auth/openapi.json': ['get'],
  '/healthz': ['get'],
  '/readyz': ['get'],
};

/** The catalogue's codes rendered as problem+json, and their statuses. */
const PROBLEM_CODES: Record<string, number> = Object.fromEntries(
  Object.values(AUTH_PROBLEMS)
    .filter((problem) => problem.shape !== 'oauth')
    .map((problem) => [problem.code, problem.status]),
);

/** The RFC 6749 §5.2 `error` values of `/auth/token`. */
const OAUTH_ERRORS = ['invalid_request', 'invalid_grant', 'unsupported_grant_type', 'rate_limited'];

/** The `errors[].code` reasons of `weak_password`. */
const WEAK_PASSWORD_REASONS = ['too_short', 'too_long_bytes', 'too_common', 'too_weak'];

const operations = () => operationsOf<Operation>(doc.paths);
const resolvePointer = (pointer: string) => resolvePointerIn(doc, pointer);

describe('services/auth/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const res = await validator.validate(
      structuredClone(doc) as unknown as Record<string, unknown>,
    );
    expect(res.valid, JSON.stringify(res.errors)).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('0.1.0');
    expect(doc.servers).toEqual([
      { url: 'http://127.0.0.1:8080', description: 'local gateway (npm run up)' },
    ]);
  });

  it('is formatted JSON with a two-space indent', () => {
    expect(raw.split('\n')[1]).toMatch(/^ {2}"openapi"/);
  });

  it('documents every path of the contract with exactly its methods', () => {
    for (const [path, methods] of Object.entries(CONTRACT)) {
      const item = doc.paths[path];
      expect(item, path).toBeDefined();
      expect(methodsOf(item ?? {}).sort(), path).toEqual([...methods].sort());
    }
    expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(CONTRACT).sort());
  });

  it('gives every operation a unique operationId', () => {
    const ids = operations().map(([, , op]) => op.operationId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('holds the ProblemCode schema generated from the catalogue', () => {
    expectGeneratedProblemCodes(DOCUMENT, problemCodeSchema(AUTH_PROBLEMS));
  });

  it('lists every stable error code', () => {
    const all = strings(doc);
    for (const code of [...Object.keys(PROBLEM_CODES), ...OAUTH_ERRORS, ...WEAK_PASSWORD_REASONS]) {
      expect(all.has(code), code).toBe(true);
    }
    expect(doc.components.schemas.ProblemCode?.enum?.slice().sort()).toEqual(
      Object.keys(PROBLEM_CODES).sort(),
    );
    expect(doc.components.schemas.WeakPasswordReason?.enum).toEqual(WEAK_PASSWORD_REASONS);
    // the catalogue's OAuth-shaped codes are documented as the token endpoint's errors
    const oauthErrors = resolvePointer('#/components/schemas/OAuthError/properties/error/enum');
    for (const problem of Object.values(AUTH_PROBLEMS).filter((p) => p.shape === 'oauth')) {
      expect(oauthErrors, problem.code).toContain(problem.code);
    }
    expect(oauthErrors).toEqual(OAUTH_ERRORS);
  });

  it('keeps every problem example consistent: type URL and status follow the code', () => {
    let seen = 0;
    for (const node of objects(doc)) {
      if (typeof node.code !== 'string' || typeof node.type !== 'string') continue;
      seen += 1;
      expect(node.type).toBe(`https://shardgate.dev/problems/${node.code}`);
      expect(node.status, node.code).toBe(PROBLEM_CODES[node.code]);
      expect(node.title, node.code).toBe(
        AUTH_PROBLEMS[node.code as keyof typeof AUTH_PROBLEMS]?.title,
      );
      expect(node.detail, node.code).toEqual(expect.any(String));
    }
    expect(seen).toBeGreaterThanOrEqual(Object.keys(PROBLEM_CODES).length);
  });

  it('answers /verify only with 200, 401 or 403', () => {
    for (const [path, method, op] of operations()) {
      if (path !== '/verify' && path !== '/verify/{path}') continue;
      expect(Object.keys(op.responses).sort(), `${method} ${path}`).toEqual(['200', '401', '403']);
    }
  });

  it('resolves every internal $ref', () => {
    for (const node of objects(doc)) {
      if (typeof node.$ref !== 'string') continue;
      expect(node.$ref.startsWith('#/'), node.$ref).toBe(true);
      expect(resolvePointer(node.$ref), node.$ref).toBeDefined();
    }
  });
});
