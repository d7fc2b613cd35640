import { renameSync, writeFileSync } from 'node:fs';
import type { ReleaseSettings } from '../../cdk8s/src/lib/release-settings.js';

/**
 * Writes the settings as JSON (two-space indent, keys in a fixed order, as committed), through a
 * temporary file renamed into place, so that a failed write never leaves half a file that synth
 * would then refuse.
 */
export function writeReleaseSettings(path: string, settings: ReleaseSettings): void {
  const ordered: ReleaseSettings = {
    ...(settings.comment === undefined ? {} : { comment: settings.comment }),
    registry: settings.registry,
    repository: settings.repository,
    version: settings.version,
    source: settings.source,
    ...(settings.revision === undefined ? {} : { revision: settings.revision }),
    digests: settings.digests,
    thirdPartyDigests: settings.thirdPartyDigests,
  };
  const partial = `${path}.partial-${process.pid}`;
  writeFileSync(partial, `${JSON.stringify(ordered, null, 2)}\n`);
  renameSync(partial, path);
}
