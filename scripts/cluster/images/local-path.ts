import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLocalPathProvisioner } from '../build/local-path.js';
import { podmanBuild } from '../podman.js';
import { VERSIONS } from '../versions.js';
import { type BuiltImage, digestPaths, ensureImage } from './image-cache.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CONTAINERFILE = join('images', 'local-path-provisioner', 'Containerfile');

/** The reference the provisioner Deployment names: upstream's. */
export const LOCAL_PATH_PROVISIONER_IMAGE = `docker.io/rancher/local-path-provisioner:v${VERSIONS.localPathProvisioner}`;

/**
 * The local-path-provisioner image: the binary of {@link buildLocalPathProvisioner} on an empty
 * base, labelled `io.shardgate.stand-in=true`. Built once per version and Containerfile.
 */
export function ensureLocalPathProvisionerImage(): Promise<BuiltImage> {
  return ensureImage({
    ref: LOCAL_PATH_PROVISIONER_IMAGE,
    key: digestPaths(REPO_ROOT, [CONTAINERFILE], VERSIONS.localPathProvisioner),
    async build() {
      const binary = await buildLocalPathProvisioner();
      await podmanBuild([
        '--file',
        join(REPO_ROOT, CONTAINERFILE),
        '--build-arg',
        `VERSION=${VERSIONS.localPathProvisioner}`,
        '--tag',
        LOCAL_PATH_PROVISIONER_IMAGE,
        dirname(binary),
      ]);
    },
  });
}
