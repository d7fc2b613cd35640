import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { itKeepsTheCommonContract } from '../../../../tests/support/openapi-contract.js';
import {
  operationsOf,
  resolvePointerIn,
  strings,
} from '../../../../tests/support/openapi-document.js';
import { API_PROBLEMS } from '../../src/problems.js';

interface Header {
  readonly required?: boolean;
  readonly schema?: { readonly const?: unknown; readonly $ref?: string };
}
interface Response {
  readonly description: string;
  readonly headers?: Record<string, Header>;
  readonly content?: Record<string, unknown>;
}
interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
}
interface Operation {
  readonly operationId?: string;
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly parameters?: readonly unknown[];
  readonly responses: Record<string, unknown>;
}
type PathItem = Record<string, unknown>;
interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly version: string };
  readonly servers: readonly { readonly url: string; readonly description?: string }[];
  readonly paths: Record<string, PathItem>;
  readonly components: {
    readonly schemas: Record<string, { readonly enum?: unknown[] }>;
    readonly securitySchemes: Record<string, Record<string, unknown>>;
  };
}

const DOCUMENT = new URL('../../openapi.json', import.meta.url).pathname;
const raw = readFileSync(DOCUMENT, 'utf8');
const doc = JSON.parse(raw) as OpenApiDocument;

/** The API service's HTTP contract: path → methods (design §3 and the decisions of issue 4). */
const CONTRACT: Record<string, readonly string[]> = {
  '/api/me': ['get'],
  '/api/users': ['post'],
  '/api/orders': ['get', 'post'],
  '/api/orders/{id}': ['get', 'patch'],
  '/api/openapi.json': ['get'],
  '/healthz': ['get'],
  '/readyz': ['get'],
};

/** The statuses each operation documents. */
const STATUSES: Record<string, readonly string[]> = {
  'get /api/me': ['200', '401', '503'],
  'post /api/users': ['200', '201', '400', '401', '413', '415', '422', '503'],
  'get /api/orders': ['200', '400', '401', '422', '503'],
  'post /api/orders': ['201', '400', '401', '413', '415', '422', '503'],
  'get /api/orders/{id}': ['200', '401', '404', '503'],
  'patch /api/orders/{id}': ['200', '400', '401', '404', '409', '413', '415', '422', '503'],
  'get /api/openapi.json': ['200', '401'],
  'get /healthz': ['200'],
  'get /readyz': ['200', '503'],
};

const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'];

const operations = () => operationsOf<Operation>(doc.paths);
const resolvePointer = (pointer: string) => resolvePointerIn(doc, pointer);

/** Follows a `$ref` (one level is all this document uses for these objects). */
function deref<T>(value: unknown): T {
  const ref = (value as { $ref?: unknown } | undefined)?.$ref;
  return (typeof ref === 'string' ? resolvePointer(ref) : value) as T;
}

function operation(method: string, path: string): Operation {
  const op = doc.paths[path]?.[method] as Operation | undefined;
  if (op === undefined) throw new Error(`${method} ${path} is not documented`);
  return op;
}

function response(method: string, path: string, status: string): Response {
  return deref<Response>(operation(method, path).responses[status]);
}

describe('services/api/openapi.json', () => {
  itKeepsTheCommonContract({ document: DOCUMENT, paths: CONTRACT, problems: API_PROBLEMS });

  it('documents exactly the agreed statuses of every operation', () => {
    const seen = operations().map(([path, method, op]) => [
      `${method} ${path}`,
      Object.keys(op.responses).sort(),
    ]);
    expect(Object.fromEntries(seen)).toEqual(
      Object.fromEntries(
        Object.entries(STATUSES).map(([key, statuses]) => [key, [...statuses].sort()]),
      ),
    );
  });

  it('documents X-Shard on every /api response, `none` on 401 (absent when the gateway answers)', () => {
    let checked = 0;
    for (const [path, method, op] of operations()) {
      if (!path.startsWith('/api/')) continue;
      for (const status of Object.keys(op.responses)) {
        const header = deref<Header | undefined>(
          response(method, path, status).headers?.['X-Shard'],
        );
        expect(header, `${method} ${path} ${status}`).toBeDefined();
        // a 401 may come from the gateway, whose answer never passed through the API
        expect(header?.required, `${method} ${path} ${status}`).toBe(status !== '401');
        if (status === '401') expect(header?.schema?.const).toBe('none');
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(30);
    // the component responses too, including 405 (documented once, not per operation)
    const components = (doc.components as unknown as { responses: Record<string, Response> })
      .responses;
    for (const [name, res] of Object.entries(components)) {
      expect(res.headers?.['X-Shard'], name).toBeDefined();
    }
    expect(components.MethodNotAllowed?.headers?.Allow).toBeDefined();
  });

  it('keeps the probes off the gateway and /api behind the bearer token', () => {
    for (const [path, method, op] of operations()) {
      if (path.startsWith('/api/')) {
        expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
      } else {
        expect(op.security, `${method} ${path}`).toBeUndefined();
        expect(doc.paths[path]?.servers).toEqual([
          expect.objectContaining({ url: 'http://127.0.0.1:4002' }),
        ]);
      }
    }
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(response('get', '/api/me', '401').headers?.['WWW-Authenticate']).toBeDefined();
  });

  it('sends Retry-After with every 503 not_ready', () => {
    for (const [path, method, op] of operations()) {
      if (!path.startsWith('/api/') || op.responses['503'] === undefined) continue;
      expect(response(method, path, '503').headers?.['Retry-After'], `${method} ${path}`).toEqual({
        $ref: '#/components/headers/Retry-After',
      });
    }
  });

  it('documents idempotent order creation: Idempotency-Key, Location, Idempotent-Replayed', () => {
    const params = (operation('post', '/api/orders').parameters ?? []).map((p) =>
      deref<Parameter>(p),
    );
    expect(params).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
    );
    const created = response('post', '/api/orders', '201');
    expect(Object.keys(created.headers ?? {}).sort()).toEqual(
      ['Idempotent-Replayed', 'Location', 'X-Shard'].sort(),
    );
    const reused = response('post', '/api/orders', '422');
    expect(strings(reused).has('idempotency_key_reused')).toBe(true);
    expect(strings(reused).has('validation_failed')).toBe(true);
  });

  it('documents cursor pagination and the order status machine', () => {
    const params = (operation('get', '/api/orders').parameters ?? []).map((p) =>
      deref<Parameter & { schema: unknown }>(p),
    );
    expect(params.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['query:cursor', 'query:limit']);
    expect(params.find((p) => p.name === 'limit')?.schema).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 20,
    });
    expect(doc.components.schemas.OrderStatus?.enum).toEqual(ORDER_STATUSES);
    expect(doc.components.schemas.CancelOrder).toMatchObject({
      additionalProperties: false,
      properties: { status: { const: 'cancelled' } },
    });
    expect(doc.components.schemas.CreateOrder).toMatchObject({ additionalProperties: false });
    expect(doc.components.schemas.CreateOrderItem).toMatchObject({ additionalProperties: false });
  });
});
