/**
 * The Traefik image of the ingress controller (`k8s/dev/ingress-controller.k8s.yaml`): a stand-in
 * for the upstream image under the upstream name, holding only the binary built from Traefik's Go
 * module (`tsx scripts/cluster/images/traefik.ts` builds it and prints the archive).
 * @packageDocumentation
 */
import { pathToFileURL } from 'node:url';
import { buildTraefik } from '../build/traefik.js';
import { VERSIONS } from '../versions.js';
import { ensureBinaryImage } from './binary-image.js';
import type { BuiltImage } from './image-cache.js';

/** The upstream image's reference, which the manifests name. */
export const TRAEFIK_IMAGE = `docker.io/library/traefik:v${VERSIONS.traefik}`;

/**
 * Builds the Traefik binary if needed, then the image `docker.io/library/traefik:v<version>`
 * from `images/traefik/Containerfile` with the binary's cache folder as the build context, and
 * returns its cached archive.
 */
export function ensureTraefikImage(): Promise<BuiltImage> {
  return ensureBinaryImage({
    ref: TRAEFIK_IMAGE,
    recipe: 'images/traefik',
    buildBinary: buildTraefik,
    buildArgs: { TRAEFIK_VERSION: VERSIONS.traefik, LEGO_VERSION: VERSIONS.lego },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  const image = await ensureTraefikImage();
  console.log(`${image.ref} ${image.archive} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
