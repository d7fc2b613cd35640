/**
 * Synthesizes every environment: `tsx cdk8s/src/main.ts [outRoot]` writes `<outRoot>/dev/` and
 * `<outRoot>/prod/` (default outRoot: the repository's `k8s/`, or `$K8S_OUT_DIR`). Each environment
 * folder is emptied first so that a chart removed from the app does not leave a stale file behind.
 * prod's images come from the release settings (`deploy/release.json`, or the file
 * `$SHARDGATE_RELEASE_SETTINGS` names), read before anything is written: without them nothing is.
 * @packageDocumentation
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { environments } from './environments.js';
import { requireDigests } from './lib/image-naming.js';
import { readReleaseSettings, releaseSettingsPath } from './lib/release-settings.js';
import { REPO_ROOT } from './lib/repo-root.js';
import { buildApp, type ReleaseSettingsFile } from './shardgate-app.js';

const outRoot = resolve(process.argv[2] ?? process.env.K8S_OUT_DIR ?? join(REPO_ROOT, 'k8s'));

function releaseSettings(): ReleaseSettingsFile | undefined {
  if (!environments.some((env) => env.imageSource === 'release')) return undefined;
  const path = releaseSettingsPath();
  const settings = readReleaseSettings(path);
  requireDigests(settings, path);
  return { path, settings };
}

try {
  const release = releaseSettings();
  // every environment is built before any folder is emptied: a refused setting leaves k8s/ as it was
  const apps = environments.map((env) => ({
    env,
    app: buildApp(env, join(outRoot, env.name), release),
  }));
  for (const { env, app } of apps) {
    rmSync(join(outRoot, env.name), { recursive: true, force: true });
    app.synth();
    console.log(`synthesized ${env.name} into ${join(outRoot, env.name)}`);
  }
} catch (error) {
  console.error(`synth: ${(error as Error).message}`);
  process.exit(1);
}
