/**
 * Drift: the types the build generated are what the services' OpenAPI documents give now. A
 * document changed without a build (or a generated file edited) fails here, naming the file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  documentFingerprint,
  generatedFile,
  generateTypes,
  REPO_ROOT,
  TYPE_SOURCES,
} from '../../codegen/generate-types.js';

describe.each(TYPE_SOURCES)('the generated types of $document', (source) => {
  it('are what the document generates now', async () => {
    const document = await readFile(join(REPO_ROOT, source.document), 'utf8');
    const built = await readFile(generatedFile(source), 'utf8').catch(() => {
      throw new Error(`${generatedFile(source)} is missing: run \`npm run build\``);
    });
    expect(
      built === (await generateTypes(source, document)),
      `${generatedFile(source)} is stale against ${source.document}: run \`npm run build\``,
    ).toBe(true);
    expect(built).toContain(`sha256:${documentFingerprint(document)}`);
  });
});

describe('documentFingerprint', () => {
  it('ignores formatting and sees any change of content', () => {
    const a = documentFingerprint('{"openapi":"3.1.0","paths":{}}');
    expect(documentFingerprint('{\n  "openapi": "3.1.0",\n  "paths": {}\n}\n')).toBe(a);
    expect(documentFingerprint('{"openapi":"3.1.1","paths":{}}')).not.toBe(a);
  });
});
