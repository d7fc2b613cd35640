/**
 * Writes `src/generated/{auth,api}.ts` from the services' OpenAPI documents; run by
 * scripts/build.sh before `tsc -b`, and by `npm run typecheck`. A file whose content would not
 * change is left alone, so tsc's incremental build stays incremental.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { generatedFile, generateTypes, REPO_ROOT, TYPE_SOURCES } from './generate-types.js';

for (const source of TYPE_SOURCES) {
  const text = await readFile(join(REPO_ROOT, source.document), 'utf8');
  const types = await generateTypes(source, text);
  const target = generatedFile(source);
  const current = await readFile(target, 'utf8').catch(() => undefined);
  if (current === types) continue;
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, types);
  console.log(`client types: wrote ${target.slice(REPO_ROOT.length)} from ${source.document}`);
}
