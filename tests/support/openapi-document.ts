/** Helpers for tests that walk an OpenAPI document (the services' committed `openapi.json`). */

/** The keys of a Path Item object that are operations. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The operation methods of a Path Item. */
export function methodsOf(item: Record<string, unknown>): string[] {
  return Object.keys(item).filter((key) => HTTP_METHODS.includes(key));
}

/** Every operation of `paths`, as `[path, method, operation]`. */
export function operationsOf<O>(
  paths: Record<string, Record<string, unknown>>,
): [string, string, O][] {
  return Object.entries(paths).flatMap(([path, item]) =>
    methodsOf(item).map((method): [string, string, O] => [path, method, item[method] as O]),
  );
}

/** Every object nested anywhere in `value`, depth first. */
export function* objects(value: unknown): Generator<Record<string, unknown>> {
  if (value === null || typeof value !== 'object') return;
  if (!Array.isArray(value)) yield value as Record<string, unknown>;
  for (const child of Object.values(value)) yield* objects(child);
}

/** Every string value anywhere in the document (enum members, consts, examples, ...). */
export function strings(value: unknown): Set<string> {
  const found = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') found.add(v);
    else if (v !== null && typeof v === 'object')
      for (const child of Object.values(v)) visit(child);
  };
  visit(value);
  return found;
}

/** The node a local JSON pointer (`#/components/schemas/X`) names in `root`, or undefined. */
export function resolvePointerIn(root: unknown, pointer: string): unknown {
  return pointer
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>(
      (node, key) =>
        node !== null && typeof node === 'object'
          ? (node as Record<string, unknown>)[key]
          : undefined,
      root,
    );
}
