/**
 * The check every benchmark run starts with: the machine must be nearly idle, because a second
 * load on the same two cores (a local cluster left running, a test suite) changes both sides of a
 * comparison by different amounts, and the run would still look like a measurement.
 * @packageDocumentation
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Busy share of all cores above which a run refuses to start. */
export const QUIET_LIMIT = 0.15;
/** How long the machine is watched before the run. */
const SAMPLE_MS = 3_000;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU counters of the machine and of every process, at one moment. */
export interface LoadSample {
  readonly machineBusy: number;
  readonly machineTotal: number;
  /** CPU ticks (user + system) per pid, with the process's name. */
  readonly processes: ReadonlyMap<number, { readonly name: string; readonly ticks: number }>;
}

/** What the machine did between two samples. */
export interface LoadReport {
  /** Busy share of all cores, 0-1. */
  readonly busy: number;
  /** The processes that used the most CPU, busiest first (share: 1 = one core). */
  readonly top: ReadonlyArray<{
    readonly pid: number;
    readonly name: string;
    readonly share: number;
  }>;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // a process that ended between the listing and the read
  }
}

/** Reads the machine's and every process's CPU counters from /proc. */
export function loadSample(): LoadSample {
  const values = (read('/proc/stat').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const processes = new Map<number, { name: string; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    if (stat === '') continue;
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    // utime and stime: fields 14 and 15 of the line, 11 and 12 after the name
    const fields = stat.slice(close + 2).split(' ');
    processes.set(Number(entry), {
      name: stat.slice(open + 1, close),
      ticks: Number(fields[11] ?? 0) + Number(fields[12] ?? 0),
    });
  }
  return { machineBusy: total - idle, machineTotal: total, processes };
}

/** The machine's busy share and its busiest processes between `before` and `after`. */
export function loadBetween(
  before: LoadSample,
  after: LoadSample,
  seconds: number,
  count = 5,
): LoadReport {
  const total = after.machineTotal - before.machineTotal;
  const busy = total > 0 ? (after.machineBusy - before.machineBusy) / total : 0;
  const top = [...after.processes]
    .map(([pid, { name, ticks }]) => ({
      pid,
      name,
      // a pid absent before started in between: all its CPU time is the window's
      share: (ticks - (before.processes.get(pid)?.ticks ?? 0)) / TICKS_PER_SECOND / seconds,
    }))
    .filter((p) => p.share >= 0.01)
    .sort((a, b) => b.share - a.share)
    .slice(0, count);
  return { busy, top };
}

/**
 * Watches the machine for a few seconds and throws, naming the busiest processes, when it is
 * busier than {@link QUIET_LIMIT}; `allowBusy` (`--allow-busy`, which the recorded command shows)
 * only reports it.
 */
export async function requireQuietMachine(
  allowBusy: boolean,
  log: (line: string) => void,
): Promise<void> {
  const before = loadSample();
  await sleep(SAMPLE_MS);
  const report = loadBetween(before, loadSample(), SAMPLE_MS / 1000);
  const percent = (share: number) => `${Math.round(share * 100)} %`;
  const what = `the machine was ${percent(report.busy)} busy over ${SAMPLE_MS / 1000} s (busiest: ${report.top
    .map((p) => `${p.name} [${p.pid}] ${percent(p.share)}`)
    .join(', ')})`;
  if (report.busy <= QUIET_LIMIT) return;
  if (allowBusy) {
    log(`${what}; measuring anyway (--allow-busy)`);
    return;
  }
  throw new Error(
    `${what}: more than ${percent(QUIET_LIMIT)}, so the results would measure that load too. ` +
      'Stop it (a local cluster: `npm run cluster -- down`), or pass --allow-busy to measure anyway.',
  );
}
