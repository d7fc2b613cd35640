import { buildGoBinaries } from '../go-build.js';
import { VERSIONS } from '../versions.js';

/**
 * Builds etcd {@link VERSIONS.etcd} (once; cached) and returns the folder holding `etcd`.
 *
 * etcd's `main` package lives in its root module `go.etcd.io/etcd/v3`, which the module proxy does
 * not serve; the server module is served and exposes the whole command line as `etcdmain.Main`, so
 * a three-line `main` of our own calls it.
 */
export function buildEtcd(): Promise<string> {
  return buildGoBinaries({
    name: 'etcd',
    version: VERSIONS.etcd,
    require: { 'go.etcd.io/etcd/server/v3': `v${VERSIONS.etcd}` },
    files: {
      'etcd/main.go': [
        "// Command etcd runs etcd's own command line (go.etcd.io/etcd/server/v3/etcdmain).",
        'package main',
        '',
        'import (',
        '\t"os"',
        '',
        '\t"go.etcd.io/etcd/server/v3/etcdmain"',
        ')',
        '',
        'func main() { etcdmain.Main(os.Args) }',
        '',
      ].join('\n'),
    },
    packages: ['./etcd'],
    ldflags: [`-X go.etcd.io/etcd/api/v3/version.GitSHA=v${VERSIONS.etcd}`],
  });
}
