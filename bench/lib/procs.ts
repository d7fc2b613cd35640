import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StackLayout } from '../../scripts/stack/layout.js';
import {
  httpStatus,
  isAlive,
  portInUse,
  spawnDetached,
  stopProcess,
  waitUntil,
} from '../../scripts/stack/processes.js';

const execFileAsync = promisify(execFile);

/** Log lines of the benchmark driver. */
export const log = (line: string) => console.log(`[bench] ${line}`);

/**
 * Teardown steps, run newest first, each once, whatever failed before: the driver registers a
 * step as soon as it has started something, and runs them all in `finally` or on SIGINT/SIGTERM.
 */
export class Cleanup {
  readonly #steps: { what: string; run: () => Promise<void> }[] = [];

  add(what: string, run: () => Promise<void> | void): void {
    this.#steps.push({ what, run: async () => run() });
  }

  async runAll(): Promise<void> {
    for (let step = this.#steps.pop(); step; step = this.#steps.pop()) {
      try {
        await step.run();
      } catch (error) {
        console.error(`[bench] cleanup of ${step.what} failed: ${(error as Error).message}`);
      }
    }
  }
}

/** The benchmark's TypeScript helper scripts, run as `node --import tsx <script>`. */
export function benchScript(layout: StackLayout, name: string): string {
  return join(layout.repoRoot, 'bench', 'lib', name);
}

/**
 * Starts a long-running process of the benchmark (detached, output to `logFile`), registers its
 * stop with `cleanup`, and waits until `ready` holds. Returns its pid.
 */
export async function startProcess(
  cleanup: Cleanup,
  what: string,
  command: string,
  args: readonly string[],
  options: {
    env?: NodeJS.ProcessEnv;
    logFile: string;
    cwd: string;
    ready: () => Promise<boolean>;
    stopSignal?: NodeJS.Signals;
  },
): Promise<number> {
  const pid = spawnDetached(command, args, {
    env: options.env ?? process.env,
    logFile: options.logFile,
    cwd: options.cwd,
  });
  cleanup.add(what, () => stopProcess(pid, options.stopSignal ?? 'SIGTERM', 10_000));
  await waitUntil(
    async () => {
      if (!isAlive(pid)) throw new Error(`${what} exited; see ${options.logFile}`);
      return options.ready();
    },
    30_000,
    `${what} (log: ${options.logFile})`,
  );
  return pid;
}

/** Starts one of the benchmark's TypeScript helpers as its own Node process. */
export function startBenchScript(
  cleanup: Cleanup,
  layout: StackLayout,
  what: string,
  script: string,
  args: readonly string[],
  port: number,
  logFile: string,
): Promise<number> {
  return startProcess(
    cleanup,
    what,
    process.execPath,
    ['--import', 'tsx', benchScript(layout, script), ...args],
    { logFile, cwd: layout.repoRoot, ready: () => portInUse(port) },
  );
}

/** Runs a helper script to completion and returns its standard output. */
export async function runBenchScript(
  layout: StackLayout,
  script: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<string> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--import', 'tsx', benchScript(layout, script), ...args],
    { cwd: layout.repoRoot, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

/** True when `url` answers `status`. */
export async function answers(url: string, status = 200): Promise<boolean> {
  return (await httpStatus(url)) === status;
}

/** Throws naming every port of the list that something already listens on. */
export async function requireFreePorts(ports: Readonly<Record<string, number>>): Promise<void> {
  const busy: string[] = [];
  for (const [what, port] of Object.entries(ports)) {
    if (await portInUse(port)) busy.push(`${port} (${what})`);
  }
  if (busy.length > 0) {
    throw new Error(
      `ports in use by another process: ${busy.join(', ')}; the benchmark needs them free`,
    );
  }
}
