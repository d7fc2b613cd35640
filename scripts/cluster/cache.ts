import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { shareInFlight } from './in-flight.js';

/**
 * The root of everything the local cluster builds once and reuses: binaries, image archives,
 * Go scratch modules. `SHARDGATE_CACHE` overrides `~/.cache/shardgate`.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.SHARDGATE_CACHE || join(env.HOME || homedir(), '.cache', 'shardgate');
}

/** A folder under the cache root (created). */
export function cacheDir(...parts: string[]): string {
  const dir = join(cacheRoot(), ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The marker that says a cache entry was written completely. */
const COMPLETE = '.complete';

/** True when `dir` holds a finished cache entry (see {@link fillCacheEntry}). */
export function isCached(dir: string): boolean {
  return existsSync(join(dir, COMPLETE));
}

/**
 * Fills the cache entry `dir` once: `fill` writes into a fresh temporary sibling folder, which is
 * renamed into place only when `fill` succeeds, so an interrupted build never leaves an entry that
 * looks finished. Returns `dir`. A second call with a finished entry does nothing.
 */
export function fillCacheEntry(
  dir: string,
  fill: (scratchDir: string) => Promise<void>,
): Promise<string> {
  if (isCached(dir)) return Promise.resolve(dir);
  // the scratch folder is named by pid: two fills of one entry in this process must be one
  return shareInFlight(dir, () => fillOnce(dir, fill));
}

async function fillOnce(dir: string, fill: (scratchDir: string) => Promise<void>): Promise<string> {
  const scratch = `${dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    await fill(scratch);
    writeFileSync(join(scratch, COMPLETE), `${new Date().toISOString()}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(scratch, dir);
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
  return dir;
}
