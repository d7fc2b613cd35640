import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackLayout } from '../../scripts/stack/layout.js';
import type { StackSecrets } from '../../scripts/stack/state.js';
import type { MachineInfo } from './machine.js';
import type { Cleanup } from './procs.js';

/** What every benchmark's result starts with: when it ran, how, and where. */
export interface RunRecord {
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The command line as typed, with any `STACK_*` settings. */
  readonly command: string;
  readonly machine: MachineInfo;
}

/** The {@link RunRecord} of a benchmark that started at `startedAt` and ends now. */
export function runRecord(ctx: BenchContext, startedAt: Date): RunRecord {
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: ctx.command,
    machine: ctx.machine,
  };
}

/** Settings of one `bench/run.ts` invocation. */
export interface BenchOptions {
  /** Seconds per measured run (each wrk run; each idle or storm phase). */
  readonly durationSeconds: number;
  /** Rounds: A/B pairs for the gateway benchmark, idle/storm pairs for the login storm. */
  readonly rounds: number;
  /** Unmeasured warm-up per side / phase, seconds. */
  readonly warmupSeconds: number;
  /** Short development run: results files get a `-quick` suffix. */
  readonly quick: boolean;
}

/** Everything a benchmark needs from the driver. */
export interface BenchContext {
  readonly layout: StackLayout;
  readonly secrets: StackSecrets;
  readonly machine: MachineInfo;
  readonly options: BenchOptions;
  /** The command line as typed, for the results file. */
  readonly command: string;
  readonly cleanup: Cleanup;
  /** Git-ignored scratch folder inside the stack (`.stack/bench/bench-work`). */
  readonly workDir: string;
  /** Access tokens of distinct users, one login each, issued by the real auth service. */
  readonly tokens: readonly string[];
  /** The same tokens as a JSON array file (mode 0600). */
  readonly tokensFile: string;
  /** Ports the benchmarks add to the stack's. */
  readonly ports: BenchPorts;
}

/** Ports of the benchmark's own processes (the stack's are in `layout.ports`). */
export interface BenchPorts {
  readonly sideA: number;
  readonly sideB: number;
  readonly trivialVerify: number;
  readonly backend: number;
  readonly seeder: number;
  readonly seederMetrics: number;
}

export function benchPorts(layout: StackLayout): BenchPorts {
  const { ports } = layout;
  return {
    sideA: ports.gateway + 1,
    sideB: ports.gateway + 2,
    trivialVerify: ports.auth + 9,
    backend: ports.auth + 10,
    seeder: ports.auth + 11,
    seederMetrics: ports.authMetrics + 6,
  };
}

/** `YYYY-MM-DD` of a date, UTC. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** `YYYY-MM-DDTHHMMSSZ` of a date, UTC: sorts by time and is safe in a file name. */
export function fileTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/:/g, '')}Z`;
}

/**
 * `bench/results/<date>T<time>Z-<name>[-quick]`, the path of a run's results files without their
 * extension; creates the folder. The one naming rule of every results file.
 */
export function resultsBase(
  repoRoot: string,
  name: string,
  startedAt: Date,
  quick: boolean,
): string {
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${fileTimestamp(startedAt)}-${name}${quick ? '-quick' : ''}`);
}

/**
 * Writes `bench/results/<date>T<time>Z-<name>[-quick].md` and `.json`; returns both paths. Every
 * run gets files of its own, so no run can replace another's: the record keeps them all.
 */
export function writeResults(
  ctx: BenchContext,
  name: string,
  startedAt: Date,
  markdown: string,
  raw: unknown,
): { markdown: string; json: string } {
  const base = resultsBase(ctx.layout.repoRoot, name, startedAt, ctx.options.quick);
  writeFileSync(`${base}.md`, markdown);
  writeFileSync(`${base}.json`, `${JSON.stringify(raw, null, 2)}\n`);
  return { markdown: `${base}.md`, json: `${base}.json` };
}
