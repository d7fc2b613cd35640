/**
 * A real OCI registry on loopback: the Distribution registry (the reference implementation of the
 * OCI distribution spec, `registry:2` on Docker Hub), built from its Go module, since no registry
 * outside this machine is reachable. The release test pushes to it and reads its API.
 * @packageDocumentation
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, isCached } from '../../scripts/cluster/cache.js';
import { hasCommand } from '../../scripts/cluster/command.js';
import { buildGoBinaries } from '../../scripts/cluster/go-build.js';
import { VERSIONS } from '../../scripts/cluster/versions.js';
import { eventually, freePort } from './wait.js';

const MODULE = 'github.com/distribution/distribution/v3';

/**
 * Builds the registry {@link VERSIONS.distribution} from its Go module (once; cached under
 * `~/.cache/shardgate/bin/distribution-<version>/`) and returns the binary's path. Rejects, saying
 * what to install, when it is not cached and Go is missing.
 */
export async function buildRegistry(): Promise<string> {
  const cached = join(cacheDir('bin'), `distribution-${VERSIONS.distribution}`);
  if (!isCached(cached) && !(await hasCommand('go'))) {
    throw new Error(
      `the Distribution registry ${VERSIONS.distribution} is built from its Go module and \`go\` is not on PATH: install Go (scripts/bootstrap.sh says how)`,
    );
  }
  const dir = await buildGoBinaries({
    name: 'distribution',
    version: VERSIONS.distribution,
    // the module's own `go` line: an older one makes `go mod tidy` refuse it
    goVersion: '1.26.0',
    require: { [MODULE]: `v${VERSIONS.distribution}` },
    packages: [`${MODULE}/cmd/registry`],
    ldflags: [`-X ${MODULE}/version.version=v${VERSIONS.distribution}`],
  });
  return join(dir, 'registry');
}

/** A running registry; {@link OciRegistry.stop} ends it. */
export interface OciRegistry {
  /** `127.0.0.1:<port>`: the registry part of an image reference. */
  readonly host: string;
  /** `http://127.0.0.1:<port>`: the base of its HTTP API (`/v2/...`). */
  readonly url: string;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts the registry on 127.0.0.1 with its storage in `dir` (a folder the caller owns and
 * removes): plain HTTP, no authentication, no deletes, no phone-home. Waits until `GET /v2/` answers.
 */
export async function startRegistry(dir: string): Promise<OciRegistry> {
  const binary = await buildRegistry();
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      'http:',
      `  addr: ${host}`,
      // one instance: the upload-state secret needs no sharing (without it the registry warns)
      '  secret: loopback-test-registry',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const url = `http://${host}`;
  try {
    await eventually(
      async () => child.exitCode === null && (await fetch(`${url}/v2/`)).status === 200,
      30_000,
      `the registry on ${host} to answer GET /v2/`,
    );
  } catch (error) {
    await stopProcess(child);
    throw new Error(`${(error as Error).message}; its log ends:\n${stderr}`);
  }
  return { host, url, stop: () => stopProcess(child) };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
