import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, isCached } from '../cluster/cache.js';
import { hasCommand } from '../cluster/command.js';
import { buildGoBinaries } from '../cluster/go-build.js';
import { VERSIONS } from '../cluster/versions.js';
import type { StackLayout } from './layout.js';
import { httpStatus } from './processes.js';

const MODULE = 'github.com/axllent/mailpit';

/**
 * Builds Mailpit {@link VERSIONS.mailpit} from its Go module (once; cached under
 * `~/.cache/shardgate/bin/mailpit-<version>/`, like the cluster's binaries) and returns the
 * binary's path. A failed build rejects with the `go` command and the end of its output: the stack
 * never starts without its SMTP server.
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

/** Mailpit's HTTP base URL: its web UI and the API tests read the inbox through (`/api/v1/...`). */
export function mailpitUrl(layout: StackLayout): string {
  return `http://127.0.0.1:${layout.ports.mailpitHttp}`;
}

/**
 * The command that runs Mailpit on the stack's ports, its messages in a database under the stack
 * folder. Plain SMTP without authentication on loopback, as the auth service's `SMTP_TLS=none`
 * expects; no version check, which would reach for GitHub.
 */
export async function mailpitCommand(layout: StackLayout): Promise<[string, string[]]> {
  const dir = join(layout.dir, 'mailpit');
  mkdirSync(dir, { recursive: true });
  return [
    await buildMailpit(),
    [
      `--smtp=127.0.0.1:${layout.ports.mailpitSmtp}`,
      `--listen=127.0.0.1:${layout.ports.mailpitHttp}`,
      `--database=${join(dir, 'mailpit.db')}`,
      // every registration mails a verification link: keep a test run's mail (default: 500)
      '--max=50000',
      '--disable-version-check',
    ],
  ];
}

/** True when Mailpit's HTTP API answers; it opens its SMTP listener before its HTTP one. */
export async function mailpitReady(layout: StackLayout): Promise<boolean> {
  return (await httpStatus(`${mailpitUrl(layout)}/readyz`)) === 200;
}
