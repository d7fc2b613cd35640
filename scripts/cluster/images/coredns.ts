import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCoreDns } from '../build/coredns.js';
import { podmanBuild } from '../podman.js';
import { VERSIONS } from '../versions.js';
import { type BuiltImage, digestPaths, ensureImage } from './image-cache.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CONTAINERFILE = join('images', 'coredns', 'Containerfile');

/** The reference the CoreDNS Deployment names: upstream's, so the manifest is the usual one. */
export const COREDNS_IMAGE = `registry.k8s.io/coredns/coredns:v${VERSIONS.coredns}`;

/**
 * The CoreDNS image: the binary of {@link buildCoreDns} on an empty base, labelled as a stand-in
 * (`io.shardgate.stand-in=true`). Built once per version and Containerfile, then cached.
 */
export function ensureCoreDnsImage(): Promise<BuiltImage> {
  return ensureImage({
    ref: COREDNS_IMAGE,
    key: digestPaths(REPO_ROOT, [CONTAINERFILE], VERSIONS.coredns),
    async build() {
      const binary = await buildCoreDns();
      await podmanBuild([
        '--file',
        join(REPO_ROOT, CONTAINERFILE),
        '--build-arg',
        `VERSION=${VERSIONS.coredns}`,
        '--tag',
        COREDNS_IMAGE,
        dirname(binary),
      ]);
    },
  });
}
