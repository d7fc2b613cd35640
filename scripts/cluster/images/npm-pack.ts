import { join } from 'node:path';
import { cacheDir, fillCacheEntry } from '../cache.js';
import { runCommand } from '../command.js';

/**
 * The registry tarball of `name@version`, fetched once with `npm pack` into
 * `~/.cache/shardgate/npm/<name>-<version>/`. On the host, not in a container: the host's npm
 * trusts the CA of the TLS interception the registries sit behind, and checks the tarball
 * against the registry's integrity hash.
 */
export async function npmPack(name: string, version: string): Promise<string> {
  const dir = await fillCacheEntry(join(cacheDir('npm'), `${name}-${version}`), async (out) => {
    await runCommand('npm', ['pack', `${name}@${version}`, '--pack-destination', out, '--silent']);
  });
  return join(dir, `${name}-${version}.tgz`);
}

/**
 * The folder holding the files of `name@version` (its tarball's `package/` folder, and only
 * those), unpacked once under `~/.cache/shardgate/npm/<name>-<version>-unpacked/`, owned by whoever
 * runs this, with the tarball's modes.
 */
export async function unpackedNpmPackage(name: string, version: string): Promise<string> {
  const tarball = await npmPack(name, version);
  const entry = join(cacheDir('npm'), `${name}-${version}-unpacked`);
  await fillCacheEntry(entry, async (out) => {
    await runCommand('tar', [
      '--extract',
      '--gzip',
      '--file',
      tarball,
      '--directory',
      out,
      '--no-same-owner',
    ]);
  });
  // package/ rather than the entry itself, which also holds the cache's completion marker
  return join(entry, 'package');
}
