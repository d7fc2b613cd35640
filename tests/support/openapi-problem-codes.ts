import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'vitest';

const BIOME = resolve(import.meta.dirname, '../../node_modules/@biomejs/biome/bin/biome');

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
