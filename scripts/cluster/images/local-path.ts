import { buildLocalPathProvisioner } from '../build/local-path.js';
import { VERSIONS } from '../versions.js';
import { ensureBinaryImage } from './binary-image.js';
import type { BuiltImage } from './image-cache.js';

/** The reference the provisioner Deployment names: upstream's. */
export const LOCAL_PATH_PROVISIONER_IMAGE = `docker.io/rancher/local-path-provisioner:v${VERSIONS.localPathProvisioner}`;

/**
 * The local-path-provisioner image: the binary of {@link buildLocalPathProvisioner} on an empty
 * base, labelled `io.shardgate.stand-in=true`. Built once per version and Containerfile.
 */
export function ensureLocalPathProvisionerImage(): Promise<BuiltImage> {
  return ensureBinaryImage({
    ref: LOCAL_PATH_PROVISIONER_IMAGE,
    recipe: 'images/local-path-provisioner',
    buildBinary: buildLocalPathProvisioner,
    buildArgs: { VERSION: VERSIONS.localPathProvisioner },
  });
}
