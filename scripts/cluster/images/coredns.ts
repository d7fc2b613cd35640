import { buildCoreDns } from '../build/coredns.js';
import { VERSIONS } from '../versions.js';
import { ensureBinaryImage } from './binary-image.js';
import type { BuiltImage } from './image-cache.js';

/** The reference the CoreDNS Deployment names: upstream's, so the manifest is the usual one. */
export const COREDNS_IMAGE = `registry.k8s.io/coredns/coredns:v${VERSIONS.coredns}`;

/**
 * The CoreDNS image: the binary of {@link buildCoreDns} on an empty base, labelled as a stand-in
 * (`io.shardgate.stand-in=true`). Built once per version and Containerfile, then cached.
 */
export function ensureCoreDnsImage(): Promise<BuiltImage> {
  return ensureBinaryImage({
    ref: COREDNS_IMAGE,
    recipe: 'images/coredns',
    buildBinary: buildCoreDns,
    buildArgs: { VERSION: VERSIONS.coredns },
  });
}
