/**
 * The check every benchmark run starts with: the machine must be nearly idle, because a second
 * load on the same two cores (a local cluster left running, a test suite) changes both sides of a
 * comparison by different amounts, and the run would still look like a measurement.
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CpuUsage, cpuSnapshot, cpuUsage } from './machine.js';
import { runningPids } from './proc-tree.js';

/** Busy share of all cores above which a run refuses to start. */
export const QUIET_LIMIT = 0.15;
/** How long the machine is watched before the run. */
const SAMPLE_MS = 3_000;

/**
 * The processes of `usage` that used at least 1 % of a core, busiest first, at most `count`
 * (share: 1 = one core).
 */
export function busiest(usage: CpuUsage, count = 5): { pid: number; share: number }[] {
  return Object.entries(usage.processes)
    .map(([pid, share]) => ({ pid: Number(pid), share }))
    .filter((p) => p.share >= 0.01)
    .sort((a, b) => b.share - a.share)
    .slice(0, count);
}

function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?'; // it ended since
  }
}

/**
 * Watches the machine for a few seconds and throws, naming the busiest processes, when it is
 * busier than {@link QUIET_LIMIT}; `allowBusy` (`--allow-busy`, which the recorded command shows)
 * only reports it. The busy share counts everything; the names cover the processes that existed
 * when the watch began.
 */
export async function requireQuietMachine(
  allowBusy: boolean,
  log: (line: string) => void,
): Promise<void> {
  const pids = runningPids();
  const before = cpuSnapshot(pids);
  await sleep(SAMPLE_MS);
  const usage = cpuUsage(before, cpuSnapshot(pids));
  if (usage.machineBusy <= QUIET_LIMIT) return;
  const percent = (share: number) => `${Math.round(share * 100)} %`;
  const names = busiest(usage).map((p) => `${processName(p.pid)} [${p.pid}] ${percent(p.share)}`);
  const what = `the machine was ${percent(usage.machineBusy)} busy over ${SAMPLE_MS / 1000} s (busiest: ${names.join(', ')})`;
  if (allowBusy) {
    log(`${what}; measuring anyway (--allow-busy)`);
    return;
  }
  throw new Error(
    `${what}: more than ${percent(QUIET_LIMIT)}, so the results would measure that load too. ` +
      'Stop it (a local cluster: `npm run cluster -- down`), or pass --allow-busy to measure anyway.',
  );
}
