import { readFileSync } from 'node:fs';
import { resolvePointerIn } from '../../../../tests/support/openapi-document.js';

/** The auth service's OpenAPI document, as committed. */
const DOCUMENT = JSON.parse(
  readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8'),
) as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };

/** A response object with its `$ref` followed. */
function resolved(response: unknown): Record<string, unknown> {
  const ref = (response as { $ref?: unknown }).$ref;
  return (typeof ref === 'string' ? resolvePointerIn(DOCUMENT, ref) : response) as Record<
    string,
    unknown
  >;
}

/**
 * The problem codes the OpenAPI document gives for `status` of the operation `method path`
 * (`path` as the document spells it, `/auth/users/{id}/mfa`): those its description names in
 * backticks and those of its examples. Undefined when the operation does not list the status.
 */
export function documentedCodes(
  method: string,
  path: string,
  status: number,
): Set<string> | undefined {
  const operation = DOCUMENT.paths[path]?.[method.toLowerCase()];
  if (!operation?.responses) throw new Error(`the OpenAPI document has no ${method} ${path}`);
  const raw = operation.responses[String(status)];
  if (raw === undefined) return undefined;
  const response = resolved(raw);
  const codes = new Set<string>();
  for (const [, code] of String(response.description ?? '').matchAll(/`([a-z_]+)`/g))
    if (code) codes.add(code);
  const content = (response.content ?? {}) as Record<
    string,
    { examples?: Record<string, unknown> }
  >;
  for (const media of Object.values(content))
    for (const example of Object.values(media.examples ?? {})) {
      const code = (example as { value?: { code?: unknown } }).value?.code;
      if (typeof code === 'string') codes.add(code);
    }
  return codes;
}

/**
 * Why a problem answer `status`/`code` of `method path` is not in the OpenAPI document, or null
 * when it is: the status is listed for the operation and names the code.
 */
export function undocumented(
  method: string,
  path: string,
  status: number,
  code: unknown,
): string | null {
  const codes = documentedCodes(method, path, status);
  if (codes === undefined) return `${method} ${path} does not list ${status}`;
  if (typeof code !== 'string' || !codes.has(code))
    return `${method} ${path} ${status} names ${[...codes].join(', ') || 'no code'}, not ${String(code)}`;
  return null;
}
