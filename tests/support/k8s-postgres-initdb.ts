/**
 * Runs a charts/postgres-shard initdb script (its ConfigMap, mounted at /docker-entrypoint-initdb.d)
 * the way the official postgres image does on first start: executed with the container's
 * environment, the server listening on a local socket only and `POSTGRES_DB` already created. The
 * server is a throwaway one in a temporary folder, made with the machine's own Postgres binaries
 * (`PG_BIN`, else the newest /usr/lib/postgresql/<n>/bin), run as the `postgres` account when the
 * test runs as root, as Postgres refuses to run as root.
 *
 * Every `psql` the script starts goes through a recording shim, so a test can prove that no secret
 * is ever a command-line argument.
 */
import { type ExecFileSyncOptions, execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { K8sObject } from './k8s-manifests.js';

/** The environment the chart gives the primary's postgres container (its names). */
export interface InitdbEnv {
  readonly POSTGRES_DB: string;
  readonly APP_USER: string;
  readonly APP_PASSWORD: string;
  readonly REPLICATION_USER: string;
  readonly REPLICATION_PASSWORD: string;
}

/** A scratch server after the script ran; `stop()` removes it. */
export interface InitdbRun {
  /** The arguments of every `psql` the script started, one array per run. */
  readonly psqlArgv: string[][];
  /** pg_hba.conf as the script left it. */
  readonly hba: string;
  /** Runs one query over the socket; with a password, as that role with scram-sha-256. */
  query(sql: string, as?: { user: string; password: string; database?: string }): string;
  /** Where the server listens: its socket folder (the only way in) and port. */
  readonly socket: { readonly PGHOST: string; readonly PGPORT: string };
  stop(): void;
}

const OS_USER = 'postgres';

/** The folder of the machine's Postgres server binaries. */
export function pgBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('Postgres server binaries not found: run scripts/bootstrap.sh');
  return `/usr/lib/postgresql/${newest}/bin`;
}

/** True when the tests run as root (then servers run as the `postgres` account). */
export const isRoot = (): boolean => process.getuid?.() === 0;

/** Runs a server binary, as the postgres account when we are root. */
export function asPostgres(
  command: string,
  args: string[],
  options: ExecFileSyncOptions = {},
): void {
  const [file, argv] = isRoot()
    ? ['runuser', ['-u', OS_USER, '--', command, ...args]]
    : [command, args];
  execFileSync(file, argv, { stdio: 'pipe', ...options });
}

/**
 * Starts the server of `data` on a random port, listening on a socket in `dir` only (no TCP), as
 * the postgres account when we are root; returns where it listens.
 */
export function startScratchServer(data: string, dir: string): { PGHOST: string; PGPORT: string } {
  const port = String(20_000 + Math.floor(Math.random() * 20_000));
  asPostgres(join(pgBin(), 'pg_ctl'), [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-o',
    `-c listen_addresses='' -k ${dir} -p ${port} -c fsync=off`,
    '-w',
    'start',
  ]);
  return { PGHOST: dir, PGPORT: port };
}

/** Stops the server of `data` at once; nothing when it is not running. */
export function stopScratchServer(data: string): void {
  try {
    asPostgres(join(pgBin(), 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
  } catch {
    // not running
  }
}

/** The env of the charts' own suites: one database, fixed roles and passwords. */
const CHART_SUITE_ENV: InitdbEnv = {
  POSTGRES_DB: 'shard',
  APP_USER: 'app',
  APP_PASSWORD: 'app-password',
  REPLICATION_USER: 'replicator',
  REPLICATION_PASSWORD: 'replication-password',
};

/**
 * Runs the first-start script of a rendered postgres-shard chart (`10-replication.sh` of its
 * ConfigMap) on a scratch server with {@link CHART_SUITE_ENV}: the primary the chart's scripts
 * are then tried against. Throws when the objects hold no such script.
 */
export function runChartInitdbScript(objects: readonly K8sObject[]): InitdbRun {
  const script = objects
    .filter((o) => o.kind === 'ConfigMap')
    .map((o) => (o.data as Record<string, string> | undefined)?.['10-replication.sh'])
    .find((found) => found !== undefined);
  if (script === undefined) throw new Error('the rendered chart has no 10-replication.sh');
  return runInitdbScript(script, CHART_SUITE_ENV);
}

/**
 * Starts a scratch server, creates `env.POSTGRES_DB`, runs `script` as the image's entrypoint
 * would and returns what it left. Throws with the script's output when it fails.
 */
export function runInitdbScript(script: string, env: InitdbEnv): InitdbRun {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), 'initdb-'));
  const data = join(dir, 'data');
  if (isRoot()) {
    const ids = (flag: string) => Number(execFileSync('id', [flag, OS_USER]).toString().trim());
    chownSync(dir, ids('-u'), ids('-g'));
  }
  const stop = () => {
    stopScratchServer(data);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    asPostgres(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
    const socket = startScratchServer(data, dir);
    const psql = (args: string[], extraEnv: Record<string, string> = {}) =>
      execFileSync(join(bin, 'psql'), ['-X', '-v', 'ON_ERROR_STOP=1', '-At', ...args], {
        env: { ...process.env, ...socket, ...extraEnv },
        stdio: 'pipe',
      })
        .toString()
        .trim();
    psql(['-U', 'postgres', '-d', 'postgres', '-c', `CREATE DATABASE "${env.POSTGRES_DB}"`]);

    const shimDir = join(dir, 'bin');
    mkdirSync(shimDir);
    const argvLog = join(dir, 'psql-argv.log');
    writeFileSync(
      join(shimDir, 'psql'),
      `#!/bin/sh\nfor arg in "$@"; do printf '%s\\n' "$arg"; done >> "$ARGV_LOG"\n` +
        `printf '%s\\n' '--end--' >> "$ARGV_LOG"\nexec ${join(bin, 'psql')} "$@"\n`,
      { mode: 0o755 },
    );
    const scriptFile = join(dir, '10-replication.sh');
    writeFileSync(scriptFile, script);
    chmodSync(scriptFile, 0o555);
    try {
      execFileSync('bash', [scriptFile], {
        env: {
          PATH: `${shimDir}:${process.env.PATH ?? ''}`,
          ...socket,
          PGDATA: data,
          POSTGRES_USER: 'postgres',
          ARGV_LOG: argvLog,
          ...env,
        },
        stdio: 'pipe',
      });
    } catch (error) {
      const e = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`the initdb script failed: ${e.stderr?.toString()}${e.stdout?.toString()}`);
    }
    const psqlArgv: string[][] = [];
    let current: string[] = [];
    for (const line of readFileSync(argvLog, 'utf8').split('\n').slice(0, -1)) {
      if (line === '--end--') {
        psqlArgv.push(current);
        current = [];
      } else current.push(line);
    }
    const hbaFile = join(data, 'pg_hba.conf');
    const hba = readFileSync(hbaFile, 'utf8');
    // From here on the two roles must prove their passwords over the socket.
    writeFileSync(
      hbaFile,
      `local all ${env.APP_USER},${env.REPLICATION_USER} scram-sha-256\n${hba}`,
    );
    asPostgres(join(bin, 'pg_ctl'), ['-D', data, 'reload']);
    return {
      psqlArgv,
      hba,
      query: (sql, as) =>
        as
          ? psql(['-U', as.user, '-d', as.database ?? env.POSTGRES_DB, '-c', sql], {
              PGPASSWORD: as.password,
            })
          : psql(['-U', 'postgres', '-d', env.POSTGRES_DB, '-c', sql]),
      socket,
      stop,
    };
  } catch (error) {
    stop();
    throw error;
  }
}
