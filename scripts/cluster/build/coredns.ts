import { join } from 'node:path';
import { buildGoBinaries } from '../go-build.js';
import { VERSIONS } from '../versions.js';

/** The CoreDNS module. */
const MODULE = 'github.com/coredns/coredns';

/**
 * The plugins the cluster's Corefile (`addons/coredns.yaml`) uses: Corefile directive → the
 * package under `plugin/` that registers it. Upstream's `plugin.cfg` links some fifty more (the
 * cloud DNS backends with their SDKs among them), which cost a cold build minutes and this cluster
 * nothing; `addons/index.test.ts` checks that every directive of the Corefile is here.
 */
export const COREDNS_PLUGINS: Readonly<Record<string, string>> = {
  errors: 'errors',
  health: 'health',
  ready: 'ready',
  kubernetes: 'kubernetes',
  prometheus: 'metrics',
  cache: 'cache',
  loadbalance: 'loadbalance',
  reload: 'reload',
  template: 'template',
};

/** The `main` of our CoreDNS: upstream's `coredns.go` with only {@link COREDNS_PLUGINS} linked. */
function mainSource(): string {
  const plugins = [...new Set(Object.values(COREDNS_PLUGINS))].sort();
  return [
    'package main',
    '',
    'import (',
    `\t_ "${MODULE}/core/dnsserver"`,
    ...plugins.map((p) => `\t_ "${MODULE}/plugin/${p}"`),
    '',
    `\t"${MODULE}/coremain"`,
    ')',
    '',
    'func main() { coremain.Run() }',
    '',
  ].join('\n');
}

/**
 * Builds CoreDNS {@link VERSIONS.coredns} from the Go module proxy (once, then cached) and returns
 * the path of the static `coredns` binary: upstream's server and plugins at that version, with the
 * plugin set cut to the ones the cluster's Corefile names.
 */
export async function buildCoreDns(): Promise<string> {
  const version = `v${VERSIONS.coredns}`;
  const binDir = await buildGoBinaries({
    name: 'coredns',
    version: VERSIONS.coredns,
    // the cache key changes with the plugin set, so that a new directive gets a new binary
    keyExtra: `plugins-${[...new Set(Object.values(COREDNS_PLUGINS))].sort().join('.')}`,
    // CoreDNS 1.15 declares `go 1.26.0`; the scratch module may not name an older line.
    goVersion: '1.26.0',
    require: { [MODULE]: version },
    files: { 'coredns/main.go': mainSource() },
    packages: ['./coredns'],
    // Upstream stamps the commit; a module build has none, so `-version` shows the tag instead.
    ldflags: [`-X ${MODULE}/coremain.GitCommit=${version}`],
  });
  return join(binDir, 'coredns');
}
