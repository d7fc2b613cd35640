import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../cache.js';
import { runCommand } from '../command.js';
import { downloadGoModule } from '../go-build.js';
import { SANDBOX_IMAGE } from '../node/node-config.js';
import { podmanBuild } from '../podman.js';
import { KUBERNETES_GIT_VERSION } from '../versions.js';
import { type BuiltImage, digestPaths, ensureImage } from './image-cache.js';
import { REPO_ROOT, recipeDir, recipeFiles } from './recipe-paths.js';
import { standInLabelFlags } from './stand-in-labels.js';

/** The pod sandbox image containerd is configured with. */
export const PAUSE_IMAGE = SANDBOX_IMAGE;

/** Where the Kubernetes module keeps the pause program, and the Makefile that names its version. */
const PAUSE_SOURCE = 'build/pause/linux/pause.c';
const PAUSE_MAKEFILE = 'build/pause/Makefile';

/** The folder of the Kubernetes Go module, downloaded into the module cache if needed. */
async function kubernetesModuleDir(): Promise<string> {
  return (await downloadGoModule('k8s.io/kubernetes', KUBERNETES_GIT_VERSION)).Dir;
}

/** `gcc --version`'s first line and glibc's version: what a static binary is made of. */
async function toolchain(): Promise<string> {
  const gcc = (await runCommand('gcc', ['--version'])).stdout.split('\n')[0] ?? 'gcc';
  const libc = (await runCommand('getconf', ['GNU_LIBC_VERSION'])).stdout.trim();
  return `${gcc}, ${libc}`;
}

/**
 * The pause stand-in (`images/pause/`): `pause.c` of the Go module k8s.io/kubernetes at
 * `VERSIONS.kubernetes`, compiled here with `gcc -static -O2` (never committed), alone in a
 * FROM-scratch image with upstream's user (65535) and entrypoint (`/pause`). Built once, then cached.
 */
export async function ensurePauseImage(): Promise<BuiltImage> {
  const moduleDir = await kubernetesModuleDir();
  const makefile = readFileSync(join(moduleDir, PAUSE_MAKEFILE), 'utf8');
  const pauseVersion = /^TAG \?= (\S+)$/m.exec(makefile)?.[1];
  if (!pauseVersion) throw new Error(`no TAG in ${PAUSE_MAKEFILE} of k8s.io/kubernetes`);
  const compiler = await toolchain();
  const key = digestPaths(
    REPO_ROOT,
    recipeFiles('pause', 'scripts/cluster/images/stand-in-labels.ts'),
    KUBERNETES_GIT_VERSION,
    compiler,
  );
  return ensureImage({
    ref: PAUSE_IMAGE,
    key,
    async build() {
      console.log(`building ${PAUSE_IMAGE} (stand-in; once, then cached)`);
      const context = mkdtempSync(join(cacheDir('tmp'), 'pause-'));
      try {
        // the flags of the module's Makefile (-Wall -Werror -static, its version macro), -O2
        await runCommand('gcc', [
          '-static',
          '-O2',
          '-Wall',
          '-Werror',
          `-DVERSION=v${pauseVersion}-kubernetes-${KUBERNETES_GIT_VERSION}`,
          '-o',
          join(context, 'pause'),
          join(moduleDir, PAUSE_SOURCE),
        ]);
        await runCommand('strip', [join(context, 'pause')]);
        const labels = standInLabelFlags(
          {
            title: 'pause',
            standsInFor: PAUSE_IMAGE,
            version: pauseVersion,
            contains: `pause ${pauseVersion}: ${PAUSE_SOURCE} of k8s.io/kubernetes ${KUBERNETES_GIT_VERSION} (Go module proxy) compiled with gcc -static -O2 (${compiler}); nothing else`,
          },
          key,
        );
        await podmanBuild([
          '--file',
          join(recipeDir('pause'), 'Containerfile'),
          ...labels,
          '--tag',
          PAUSE_IMAGE,
          context,
        ]);
      } finally {
        rmSync(context, { recursive: true, force: true });
      }
    },
  });
}
