import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../scripts/stack/layout.js';
import { methodsOf } from '../../support/openapi-document.js';

/** The two services, by the folder their OpenAPI document is in. */
export type ServiceName = 'auth' | 'api';

/** One documented operation: `GET /auth/users/{id}` of `auth`. */
export interface Operation {
  readonly service: ServiceName;
  /** Upper-case, as on the wire. */
  readonly method: string;
  /** The path as the OpenAPI document spells it, templates included. */
  readonly path: string;
}

/** `METHOD path` of an operation, for messages and sets. */
export const operationKey = (op: Pick<Operation, 'method' | 'path'>): string =>
  `${op.method} ${op.path}`;

/** Every operation of `services/<service>/openapi.json`, as committed. */
export function documentedOperations(service: ServiceName): Operation[] {
  const document = JSON.parse(
    readFileSync(join(REPO_ROOT, 'services', service, 'openapi.json'), 'utf8'),
  ) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    methodsOf(item).map((method) => ({ service, method: method.toUpperCase(), path })),
  );
}

/** The documented operation a concrete request (`GET /api/orders/123?x=1`) is one of. */
export function operationOf(
  operations: readonly Operation[],
  method: string,
  target: string,
): Operation | undefined {
  const path = target.split('?')[0] ?? '';
  return operations.find(
    (op) =>
      op.method === method && new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
  );
}

/** What the walk needs of an `@koa/router` Router: its layers. */
export interface RouterLayers {
  readonly stack: ReadonlyArray<{
    readonly methods: readonly string[];
    readonly path: string | RegExp;
  }>;
}

/**
 * The operations a router serves, spelled as an OpenAPI document spells them (`:id` → `{id}`),
 * without the HEAD that `@koa/router` adds to every GET and without middleware layers.
 */
export function routerOperations(router: RouterLayers): { method: string; path: string }[] {
  return router.stack.flatMap((layer) =>
    layer.methods
      .filter((method) => method !== 'HEAD')
      .map((method) => ({ method, path: String(layer.path).replace(/:(\w+)/g, '{$1}') })),
  );
}
