import { join } from 'node:path';
import { buildGoBinaries } from '../go-build.js';
import { VERSIONS } from '../versions.js';

/** The provisioner's module; its root package is the `local-path-provisioner` command. */
const MODULE = 'github.com/rancher/local-path-provisioner';

/**
 * Builds local-path-provisioner {@link VERSIONS.localPathProvisioner} from the Go module proxy
 * (once, then cached) and returns the path of the static binary. The proxy lists only v0.0.30, but
 * serves v0.0.37 when asked by version; 0.0.37 carries the fixes for CVE-2025-62878 (`pathPattern`
 * traversal) and CVE-2026-44543 (unvalidated helper pod template) that 0.0.30 lacks.
 */
export async function buildLocalPathProvisioner(): Promise<string> {
  const version = `v${VERSIONS.localPathProvisioner}`;
  const binDir = await buildGoBinaries({
    name: 'local-path-provisioner',
    version: VERSIONS.localPathProvisioner,
    // The release declares `go 1.26.3`; the scratch module may not name an older line.
    goVersion: '1.26.3',
    require: { [MODULE]: version },
    packages: [MODULE],
    // What upstream's scripts/build stamps, so `local-path-provisioner --version` names the release.
    ldflags: [`-X main.VERSION=${version}`],
  });
  return join(binDir, 'local-path-provisioner');
}
