import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../cache.js';
import { shareInFlight } from '../in-flight.js';
import { hasImage, podman } from '../podman.js';

/** An image this project builds, cached as an archive under `~/.cache/shardgate/images/`. */
export interface ImageRecipe {
  /** The fully qualified reference the manifests use, e.g. `docker.io/library/postgres:15.20-bookworm`. */
  readonly ref: string;
  /** The cache key: versions and a digest of the recipe's files ({@link digestPaths}). */
  readonly key: string;
  /**
   * Builds the image into podman's storage, tagged {@link ImageRecipe.ref}; ideally labelled
   * {@link RECIPE_KEY_LABEL}`=<key>`, so that a tag left by another version of the recipe is noticed.
   */
  build(): Promise<void>;
}

/** A built image: its reference and the archive that `ctr images import` or `podman load` takes. */
export interface BuiltImage {
  readonly ref: string;
  /** A docker-archive (tar) in the cache. */
  readonly archive: string;
}

/** The label that names the {@link ImageRecipe.key} an image was built from. */
export const RECIPE_KEY_LABEL = 'io.shardgate.recipe-key';

/**
 * Returns the cached archive of `recipe`, building it once. Also makes sure podman's storage holds
 * the image (loaded from the archive when the storage was wiped), since later builds use it as a base.
 */
export function ensureImage(recipe: ImageRecipe): Promise<BuiltImage> {
  const archive = join(cacheDir('images'), `${archiveName(recipe.ref)}-${recipe.key}.tar`);
  return shareInFlight(archive, () => ensureArchive(recipe, archive));
}

async function ensureArchive(recipe: ImageRecipe, archive: string): Promise<BuiltImage> {
  if (existsSync(archive)) {
    if (!(await hasImage(recipe.ref)) || (await isFromOtherRecipe(recipe))) {
      await podman(['load', '--input', archive]);
    }
    return { ref: recipe.ref, archive };
  }
  await recipe.build();
  const partial = `${archive}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  try {
    await podman(['save', '--format', 'docker-archive', '--output', partial, recipe.ref]);
    renameSync(partial, archive);
  } finally {
    rmSync(partial, { force: true });
  }
  return { ref: recipe.ref, archive };
}

/**
 * True when the stored image says it was built from another version of the recipe (switching
 * branches back leaves the newer build under the same tag); images without the label are trusted.
 */
async function isFromOtherRecipe(recipe: ImageRecipe): Promise<boolean> {
  const format = `{{index .Labels "${RECIPE_KEY_LABEL}"}}`;
  const { stdout } = await podman(['image', 'inspect', '--format', format, recipe.ref]);
  const key = stdout.trim();
  return key !== '' && key !== '<no value>' && key !== recipe.key;
}

/** A file-name-safe form of an image reference. */
function archiveName(ref: string): string {
  return ref.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * A short digest of files and folders under `root` (their relative paths and contents, folders
 * walked in name order), for cache keys that change whenever a recipe changes and do not depend on
 * where the repository is checked out.
 */
export function digestPaths(root: string, paths: readonly string[], ...extra: string[]): string {
  const hash = createHash('sha256');
  const add = (path: string): void => {
    const full = join(root, path);
    if (statSync(full).isDirectory()) {
      for (const entry of readdirSync(full).sort()) add(join(path, entry));
      return;
    }
    hash.update(`${path}\0`);
    hash.update(readFileSync(full));
  };
  for (const path of paths) add(path);
  for (const value of extra) hash.update(`${value}\0`);
  return hash.digest('hex').slice(0, 12);
}
