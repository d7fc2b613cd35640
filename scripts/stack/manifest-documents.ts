import { parseAllDocuments } from 'yaml';

/** A parsed YAML mapping. */
export type Json = Record<string, unknown>;

/** True for a YAML mapping (not null, not a list). */
export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The documents of a multi-document manifest file whose `kind` is `kind`, in file order. Throws,
 * naming `source`, on invalid YAML: a manifest the gateway cannot read must stop it, never be
 * skipped.
 */
export function documentsOfKind(text: string, source: string, kind: string): Json[] {
  const found: Json[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) {
      throw new Error(`${source}: invalid YAML: ${document.errors[0]?.message}`);
    }
    const object: unknown = document.toJS();
    if (isObject(object) && object.kind === kind) found.push(object);
  }
  return found;
}
