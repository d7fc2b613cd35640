/**
 * Synthesizes every environment: `tsx cdk8s/src/main.ts [outRoot]` writes `<outRoot>/dev/` and
 * `<outRoot>/prod/` (default outRoot: the repository's `k8s/`, or `$K8S_OUT_DIR`). Each environment
 * folder is emptied first so that a chart removed from the app does not leave a stale file behind.
 * @packageDocumentation
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { environments } from './environments.js';
import { REPO_ROOT } from './lib/repo-root.js';
import { buildApp } from './shardgate-app.js';

const outRoot = resolve(process.argv[2] ?? process.env.K8S_OUT_DIR ?? join(REPO_ROOT, 'k8s'));

for (const env of environments) {
  const outdir = join(outRoot, env.name);
  rmSync(outdir, { recursive: true, force: true });
  buildApp(env, outdir).synth();
  console.log(`synthesized ${env.name} into ${outdir}`);
}
