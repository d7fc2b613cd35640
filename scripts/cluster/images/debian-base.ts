import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../cache.js';
import { runCommand } from '../command.js';
import { podman } from '../podman.js';
import { type BuiltImage, digestPaths, ensureImage, RECIPE_KEY_LABEL } from './image-cache.js';
import { REPO_ROOT, recipeDir } from './recipe-paths.js';

/**
 * The Debian 12 base of every Debian stand-in: `images/debian/build-rootfs.sh` (mmdebstrap,
 * variant minbase, with the point-release and security suites) imported by podman. A local name:
 * no manifest uses it, the stand-ins' Containerfiles take it as `--build-arg BASE`.
 */
export const DEBIAN_BASE_IMAGE = 'localhost/shardgate/debian:bookworm-minbase';

/**
 * Builds the Debian base once (about a minute, mostly downloads) and returns its cached archive.
 * The key is a digest of `images/debian/`: Debian's updates alone do not rebuild it; the package
 * versions each stand-in ends up with are in that stand-in's labels.
 */
export function ensureDebianBase(): Promise<BuiltImage> {
  const key = digestPaths(REPO_ROOT, ['images/debian', 'scripts/cluster/images/debian-base.ts']);
  return ensureImage({
    ref: DEBIAN_BASE_IMAGE,
    key,
    async build() {
      console.log(`building ${DEBIAN_BASE_IMAGE} with mmdebstrap (once, then cached)`);
      // the cache's disk rather than /tmp, which may be a small tmpfs: the tarball is ~130 MB
      const scratch = mkdtempSync(join(cacheDir('tmp'), 'debian-rootfs-'));
      try {
        const tarball = join(scratch, 'rootfs.tar');
        await runCommand('bash', [join(recipeDir('debian'), 'build-rootfs.sh'), tarball]);
        await podman([
          'import',
          '--change',
          'CMD ["bash"]',
          '--change',
          `LABEL ${RECIPE_KEY_LABEL}=${key}`,
          '--change',
          'LABEL org.opencontainers.image.description="Debian 12 (bookworm) minbase by mmdebstrap: the base of the shardgate stand-in images"',
          tarball,
          DEBIAN_BASE_IMAGE,
        ]);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  });
}
