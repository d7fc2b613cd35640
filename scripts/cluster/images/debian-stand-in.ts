import { basename, join } from 'node:path';
import { podman, ULIMIT_FLAGS } from '../podman.js';
import { ensureDebianBase } from './debian-base.js';
import { type BuiltImage, digestPaths, ensureImage } from './image-cache.js';
import { REPO_ROOT, recipeDir, recipeFiles } from './recipe-paths.js';
import { debianVersions, type StandInDescription, standInLabelFlags } from './stand-in-labels.js';

/** A stand-in built from `images/<name>/Containerfile` on the Debian base ({@link ensureDebianBase}). */
export interface DebianStandInSpec {
  /** The recipe folder `images/<name>/` (the build context) and builder `<name>-image.ts`. */
  readonly name: string;
  /** The upstream reference the manifests use, which the image is tagged with. */
  readonly ref: string;
  /** Debian packages whose installed versions go into the labels (and the description). */
  readonly packages: readonly string[];
  /** Mixed into the cache key: versions of what the recipe installs from elsewhere. */
  readonly keyExtra?: readonly string[];
  /** `--build-arg`s besides `BASE`. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Named build contexts (`COPY --from=<name>`), prepared when the image is actually built. */
  readonly buildContexts?: () => Promise<Readonly<Record<string, string>>>;
  /** What the built image really is, from the package versions apt-get chose. */
  describe(versions: ReadonlyMap<string, string>): StandInDescription;
}

/** Files every Debian stand-in's cache key covers besides its own recipe. */
const SHARED_FILES = [
  'images/relabel',
  'scripts/cluster/images/debian-stand-in.ts',
  'scripts/cluster/images/stand-in-labels.ts',
];

/**
 * `podman build` as `podmanBuild` (../podman.ts) runs it, but without the host's CA bundle and
 * without podman's layer cache. The bundle: these builds download nothing but Debian packages
 * (plain http, signed), and podman leaves an empty file where a mounted file was in every RUN
 * layer, which images built on a stand-in would inherit. The cache: its key ignores mounts, so a
 * layer left by a build with other mounts would be taken; a stand-in is built once anyway.
 */
function buildWithoutCaBundle(args: readonly string[]) {
  return podman(['build', '--pull=never', '--no-cache', ...ULIMIT_FLAGS, ...args]);
}

/**
 * Builds a Debian stand-in once and returns its cached archive: the Containerfile on the Debian
 * base, then the labels, which name the package versions apt-get installed (known only after the
 * build, so they are added by `images/relabel`, which adds no layer). The key covers the recipe,
 * the builders and the base, not Debian's archive: a rebuild may get newer packages, and says so.
 */
export async function ensureDebianStandIn(spec: DebianStandInSpec): Promise<BuiltImage> {
  const base = await ensureDebianBase();
  const key = digestPaths(
    REPO_ROOT,
    recipeFiles(spec.name, ...SHARED_FILES),
    basename(base.archive),
    ...(spec.keyExtra ?? []),
  );
  return ensureImage({
    ref: spec.ref,
    key,
    async build() {
      console.log(`building ${spec.ref} (stand-in; once, then cached)`);
      const unlabelled = `localhost/shardgate-build/${spec.name}:${key}`;
      const args = Object.entries({ BASE: base.ref, ...spec.buildArgs }).flatMap(([k, v]) => [
        '--build-arg',
        `${k}=${v}`,
      ]);
      const contexts = Object.entries((await spec.buildContexts?.()) ?? {}).flatMap(
        ([name, dir]) => ['--build-context', `${name}=${dir}`],
      );
      const dir = recipeDir(spec.name);
      await buildWithoutCaBundle([
        '--file',
        join(dir, 'Containerfile'),
        ...args,
        ...contexts,
        '--tag',
        unlabelled,
        dir,
      ]);
      const description = spec.describe(await debianVersions(unlabelled, spec.packages));
      await buildWithoutCaBundle([
        '--file',
        join(recipeDir('relabel'), 'Containerfile'),
        '--build-arg',
        `BASE=${unlabelled}`,
        ...standInLabelFlags(description, key),
        '--tag',
        spec.ref,
        recipeDir('relabel'),
      ]);
      // only the name goes: the labelled image shares every layer
      await podman(['untag', unlabelled]);
    },
  });
}
