import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../command.js';
import { podmanBuild } from '../podman.js';
import { VERSIONS } from '../versions.js';
import { type BuiltImage, digestPaths, ensureImage } from './image-cache.js';
import { REPO_ROOT } from './recipe-paths.js';

const CONTAINERFILE = join('images', 'busybox', 'Containerfile');
/** Where Debian's `busybox-static` installs its binary. */
const DEBIAN_BUSYBOX = '/bin/busybox';

/** The reference of the helper image: upstream's name at the version Debian packages. */
export const BUSYBOX_IMAGE = `docker.io/library/busybox:${VERSIONS.busybox}`;

/**
 * The busybox stand-in: Debian's static `/bin/busybox` on an empty base, labelled
 * `io.shardgate.stand-in=true`. Fails, naming the package, when `busybox-static` is missing or is
 * not the version {@link VERSIONS.busybox} the tag claims.
 */
export async function ensureBusyboxImage(): Promise<BuiltImage> {
  const packageVersion = await debianBusyboxVersion();
  return ensureImage({
    ref: BUSYBOX_IMAGE,
    key: digestPaths(REPO_ROOT, [CONTAINERFILE], packageVersion),
    async build() {
      const context = mkdtempSync(join(tmpdir(), 'shardgate-busybox-'));
      try {
        copyFileSync(DEBIAN_BUSYBOX, join(context, 'busybox'));
        await podmanBuild([
          '--file',
          join(REPO_ROOT, CONTAINERFILE),
          '--build-arg',
          `VERSION=${VERSIONS.busybox}`,
          '--tag',
          BUSYBOX_IMAGE,
          context,
        ]);
      } finally {
        rmSync(context, { recursive: true, force: true });
      }
    },
  });
}

/** The installed `busybox-static` package version, checked against the tag's upstream version. */
async function debianBusyboxVersion(): Promise<string> {
  const install = 'apt-get install busybox-static';
  let version = '';
  try {
    // Prints `busybox-static<TAB><version>`.
    const { stdout } = await runCommand('dpkg-query', ['--show', 'busybox-static']);
    version = stdout.trim().split('\t')[1] ?? '';
  } catch {
    // Reported below with the command that fixes it.
  }
  if (!version || !existsSync(DEBIAN_BUSYBOX)) {
    throw new Error(`the busybox helper image needs Debian's static busybox: ${install}`);
  }
  // Debian versions read `[epoch:]upstream-revision`, e.g. `1:1.35.0-4+deb12u1+b1`.
  const upstream = version.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
  if (upstream !== VERSIONS.busybox) {
    throw new Error(
      `busybox-static is ${version}, but the image is tagged ${VERSIONS.busybox}: update VERSIONS.busybox`,
    );
  }
  return version;
}
