/**
 * The Traefik image of the ingress controller (`k8s/dev/ingress-controller.k8s.yaml`): a stand-in
 * for the upstream image under the upstream name, holding only the binary built from Traefik's Go
 * module (`tsx scripts/cluster/images/traefik.ts` builds it and prints the archive).
 * @packageDocumentation
 */
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildTraefik } from '../build/traefik.js';
import { podmanBuild } from '../podman.js';
import { VERSIONS } from '../versions.js';
import { type BuiltImage, digestPaths, ensureImage } from './image-cache.js';

/** The repository root (this file is scripts/cluster/images/traefik.ts). */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The recipe's folder, relative to the repository root. */
const RECIPE = 'images/traefik';

/** The upstream image's reference, which the manifests name. */
export const TRAEFIK_IMAGE = `docker.io/library/traefik:v${VERSIONS.traefik}`;

/**
 * Builds the Traefik binary if needed, then the image `docker.io/library/traefik:v<version>`
 * from `images/traefik/Containerfile` with the binary's cache folder as the build context, and
 * returns its cached archive. The cache key is the binary's own key (versions and its recipe's
 * digest) plus a digest of the Containerfile.
 */
export async function ensureTraefikImage(): Promise<BuiltImage> {
  const binary = await buildTraefik();
  const context = dirname(binary);
  return ensureImage({
    ref: TRAEFIK_IMAGE,
    key: digestPaths(REPO_ROOT, [RECIPE], basename(context)),
    async build() {
      await podmanBuild([
        '--file',
        join(REPO_ROOT, RECIPE, 'Containerfile'),
        '--build-arg',
        `TRAEFIK_VERSION=${VERSIONS.traefik}`,
        '--build-arg',
        `LEGO_VERSION=${VERSIONS.lego}`,
        '--tag',
        TRAEFIK_IMAGE,
        context,
      ]);
    },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  const image = await ensureTraefikImage();
  console.log(`${image.ref} ${image.archive} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
