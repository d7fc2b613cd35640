import { join } from 'node:path';
import { buildGoBinaries } from '../go-build.js';
import { VERSIONS } from '../versions.js';

/** The CoreDNS module; its root package is the `coredns` command. */
const MODULE = 'github.com/coredns/coredns';

/**
 * Builds CoreDNS {@link VERSIONS.coredns} from the Go module proxy (once, then cached) and returns
 * the path of the static `coredns` binary. The release's own `plugin.cfg` decides the plugins, so
 * the binary is the one upstream ships, minus the image around it.
 */
export async function buildCoreDns(): Promise<string> {
  const version = `v${VERSIONS.coredns}`;
  const binDir = await buildGoBinaries({
    name: 'coredns',
    version: VERSIONS.coredns,
    // CoreDNS 1.15 declares `go 1.26.0`; the scratch module may not name an older line.
    goVersion: '1.26.0',
    require: { [MODULE]: version },
    packages: [MODULE],
    // Upstream stamps the commit; a module build has none, so `-version` shows the tag instead.
    ldflags: [`-X ${MODULE}/coremain.GitCommit=${version}`],
  });
  return join(binDir, 'coredns');
}
