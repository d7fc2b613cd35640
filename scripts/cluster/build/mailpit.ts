import { join } from 'node:path';
import { cacheDir, isCached } from '../cache.js';
import { hasCommand } from '../command.js';
import { buildGoBinaries } from '../go-build.js';
import { VERSIONS } from '../versions.js';

const MODULE = 'github.com/axllent/mailpit';

/**
 * Builds Mailpit {@link VERSIONS.mailpit} from its Go module (once; cached under
 * `~/.cache/shardgate/bin/mailpit-<version>/`) and returns the binary's path: the SMTP server and
 * inbox of the local stack (`scripts/stack/mailpit.ts`) and of the dev cluster's image
 * (`images/mailpit`). A failed build rejects with the `go` command and the end of its output.
 */
export async function buildMailpit(): Promise<string> {
  // the entry buildGoBinaries fills (`bin/<name>-<version>`): a cached binary needs no Go
  const cached = join(cacheDir('bin'), `mailpit-${VERSIONS.mailpit}`);
  if (!isCached(cached) && !(await hasCommand('go'))) {
    throw new Error(
      `Mailpit ${VERSIONS.mailpit} is built from its Go module and \`go\` is not on PATH: install Go (scripts/bootstrap.sh says how)`,
    );
  }
  const dir = await buildGoBinaries({
    name: 'mailpit',
    version: VERSIONS.mailpit,
    // the module's own `go` line: an older one makes `go mod tidy` refuse it
    goVersion: '1.26.0',
    require: { [MODULE]: `v${VERSIONS.mailpit}` },
    packages: [MODULE],
    ldflags: [`-X ${MODULE}/config.Version=v${VERSIONS.mailpit}`],
  });
  return join(dir, 'mailpit');
}
