/**
 * Turns the services' OpenAPI documents into the client's TypeScript types with openapi-typescript.
 * The build writes them to `src/generated/` (ignored by git, so types can never be edited by hand
 * or drift from a committed copy); the drift tests call the same function on the documents and on
 * what the running services serve, and compare.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';

/** The repository root, from this file's place in it (packages/client/codegen/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One OpenAPI document and the module its types go to. */
export interface TypeSource {
  /** The module's name: `src/generated/<name>.ts`. */
  readonly name: 'auth' | 'api';
  /** The document, relative to the repository root: the file the service itself serves. */
  readonly document: string;
}

/** Both services' documents. */
export const TYPE_SOURCES: readonly TypeSource[] = [
  { name: 'auth', document: 'services/auth/openapi.json' },
  { name: 'api', document: 'services/api/openapi.json' },
];

/** Where the build writes the types of `source`, as an absolute path. */
export function generatedFile(source: TypeSource): string {
  return fileURLToPath(new URL(`../src/generated/${source.name}.ts`, import.meta.url));
}

/**
 * A fingerprint of a document's content: SHA-256 of its JSON re-serialised without whitespace, so
 * formatting differs nothing but a changed schema, path or key order does.
 */
export function documentFingerprint(documentText: string): string {
  const canonical = JSON.stringify(JSON.parse(documentText));
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * The TypeScript module for one document: openapi-typescript's `paths`, `components` and
 * `operations`, under a header naming the document and its {@link documentFingerprint}.
 */
export async function generateTypes(source: TypeSource, documentText: string): Promise<string> {
  const document = JSON.parse(documentText) as OpenAPI3;
  const ast = await openapiTS(document, { silent: true });
  const header = [
    `// Generated from ${source.document} by packages/client/codegen (openapi-typescript).`,
    `// Document fingerprint: sha256:${documentFingerprint(documentText)}`,
    '// Do not edit: `npm run build` writes this file again; it is not committed.',
    '',
  ].join('\n');
  return `${header}${astToString(ast)}`;
}
