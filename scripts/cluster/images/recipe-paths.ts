import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is scripts/cluster/images/recipe-paths.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The folder of an image recipe, `images/<name>/` at the repository root (Containerfile, scripts). */
export function recipeDir(name: string): string {
  return join(REPO_ROOT, 'images', name);
}

/**
 * The repository paths a stand-in's cache key digests: its recipe folder and its builder
 * (`scripts/cluster/images/<name>-image.ts`), plus any shared files named.
 */
export function recipeFiles(name: string, ...shared: string[]): string[] {
  return [`images/${name}`, `scripts/cluster/images/${name}-image.ts`, ...shared];
}
