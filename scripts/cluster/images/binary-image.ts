import { basename, dirname, join } from 'node:path';
import { podmanBuild } from '../podman.js';
import { type BuiltImage, digestPaths, ensureImage } from './image-cache.js';
import { REPO_ROOT } from './recipe-paths.js';

/** An image that holds one program built here, under the upstream image's name. */
export interface BinaryImageSpec {
  /** The upstream reference the manifests name. */
  readonly ref: string;
  /** The recipe folder under the repository root, holding its `Containerfile`. */
  readonly recipe: string;
  /** Builds (or finds cached) the program; its folder is the build context. */
  buildBinary(): Promise<string>;
  /** `--build-arg`s of the Containerfile (versions for its labels). */
  readonly buildArgs: Readonly<Record<string, string>>;
}

/**
 * Builds the program, then the image around it (once; cached): the cache key is the program's
 * cache folder (its name carries the versions) and a digest of the recipe folder, so a new
 * version or a changed Containerfile makes a new image.
 */
export async function ensureBinaryImage(spec: BinaryImageSpec): Promise<BuiltImage> {
  const context = dirname(await spec.buildBinary());
  return ensureImage({
    ref: spec.ref,
    key: digestPaths(REPO_ROOT, [spec.recipe], basename(context)),
    async build() {
      await podmanBuild([
        '--file',
        join(REPO_ROOT, spec.recipe, 'Containerfile'),
        ...Object.entries(spec.buildArgs).flatMap(([name, value]) => [
          '--build-arg',
          `${name}=${value}`,
        ]),
        '--tag',
        spec.ref,
        context,
      ]);
    },
  });
}
