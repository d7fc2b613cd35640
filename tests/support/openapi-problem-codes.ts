import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';

/** The repository's Biome, to format what the update writes as `npm run format` would. */
const BIOME = join(
  dirname(createRequire(import.meta.url).resolve('@biomejs/biome/package.json')),
  'bin/biome',
);

/**
 * Checks that the `ProblemCode` schema of the OpenAPI document at `path` is exactly `generated`
 * (made from the service's catalogue by `problemCodeSchema`). With `UPDATE_OPENAPI=1` it writes
 * `generated` into the document instead, formatted as the repository formats JSON, so a new
 * catalogue entry reaches the document with one command:
 * `UPDATE_OPENAPI=1 npm test -- services/<service>/test/unit/openapi.test.ts`.
 */
export function expectGeneratedProblemCodes(path: string, generated: unknown): void {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as {
    components: { schemas: Record<string, unknown> };
  };
  if (process.env.UPDATE_OPENAPI === '1') {
    doc.components.schemas.ProblemCode = generated;
    writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`);
    execFileSync(process.execPath, [BIOME, 'format', '--write', path], { stdio: 'ignore' });
    return;
  }
  expect(
    doc.components.schemas.ProblemCode,
    `${path}: ProblemCode differs from the catalogue; regenerate with UPDATE_OPENAPI=1`,
  ).toEqual(generated);
}
