/**
 * Runs charts/postgres-shard's standby scripts (the pg_basebackup initContainer and the readiness
 * probe) against scratch servers made with the machine's own Postgres binaries, as the postgres
 * account when the tests run as root: the scripts' own text, taken from the rendered chart.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, pgBin, startScratchServer, stopScratchServer } from './k8s-postgres-initdb.js';

/** `command args` with `env` as its whole environment (plus the server binaries on PATH). */
function argvAs(command: string, args: string[], env: Record<string, string>): [string, string[]] {
  const vars = Object.entries({ PATH: `${pgBin()}:${process.env.PATH ?? ''}`, ...env }).map(
    ([k, v]) => `${k}=${v}`,
  );
  // runuser resets the environment: hand it over through env(1)
  return isRoot()
    ? ['runuser', ['-u', 'postgres', '--', 'env', '-i', ...vars, command, ...args]]
    : ['env', ['-i', ...vars, command, ...args]];
}

/** Runs a bash script to its end; its exit code and output. */
export function runScript(
  script: string,
  env: Record<string, string>,
): { code: number; output: string } {
  const [file, argv] = argvAs('bash', ['-c', script], env);
  try {
    const output = execFileSync(file, argv, { stdio: 'pipe' }).toString();
    return { code: 0, output };
  } catch (error) {
    const e = error as { status?: number; stdout?: Buffer; stderr?: Buffer };
    return {
      code: e.status ?? 1,
      output: `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`,
    };
  }
}

/** Starts a bash script in a process group of its own, so that it can be killed with its children. */
export function startScript(script: string, env: Record<string, string>): ChildProcess {
  const [file, argv] = argvAs('bash', ['-c', script], env);
  return spawn(file, argv, { stdio: 'ignore', detached: true });
}

/** A folder the postgres account owns (the scripts write there). */
export function postgresOwnedDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (isRoot()) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  return dir;
}

/** A server started on an existing data folder (a standby the script seeded). */
export interface ScratchServer {
  readonly socket: { readonly PGHOST: string; readonly PGPORT: string };
  /** Runs SQL as postgres over the socket; its unaligned output. */
  query(sql: string): string;
  stop(): void;
}

/** Starts the server of `data`, listening on a socket in `dir` (postgres-owned) only. */
export function startServer(data: string, dir: string): ScratchServer {
  const socket = startScratchServer(data, dir);
  return {
    socket,
    query: (sql) =>
      execFileSync(
        join(pgBin(), 'psql'),
        ['-X', '-At', '-U', 'postgres', '-d', 'postgres', '-c', sql],
        {
          env: { ...process.env, ...socket },
          stdio: 'pipe',
        },
      )
        .toString()
        .trim(),
    stop: () => stopScratchServer(data),
  };
}

/** Removes a folder made by {@link postgresOwnedDir}. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
