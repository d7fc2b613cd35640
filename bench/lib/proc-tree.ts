import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of groups of process trees (a process and all its descendants), from /proc: where the
 * two cores went during a run, e.g. the gateway's nginx workers or all Postgres backends.
 */

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface ProcEntry {
  readonly ppid: number;
  readonly ticks: number;
}

/** The pids of every process running now, from /proc; none when there is no /proc (not Linux). */
export function runningPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

function readProcs(): Map<number, ProcEntry> {
  const procs = new Map<number, ProcEntry>();
  for (const pid of runningPids()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // fields after the command name (which may contain spaces) start after the last ')'
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(pid, {
        ppid: Number(fields[1]),
        // utime + stime, plus cutime + cstime: children that exited and were reaped meanwhile
        // (a wrk run of the driver, a Postgres worker) still count, with their parent
        ticks: [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0),
      });
    } catch {
      // exited meanwhile
    }
  }
  return procs;
}

/** Ticks per pid of every process in each group's trees. */
export interface TreeSnapshot {
  readonly at: number;
  readonly groups: ReadonlyMap<string, ReadonlyMap<number, number>>;
}

/**
 * Snapshots the trees rooted at each group's pids. A process belongs to the first group (in
 * object order) whose tree holds it: list the specific groups first and a catch-all (such as
 * the driver itself, whose children everything here is) last.
 */
export function treeSnapshot(roots: Readonly<Record<string, readonly number[]>>): TreeSnapshot {
  const procs = readProcs();
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) {
    const list = children.get(p.ppid) ?? [];
    list.push(pid);
    children.set(p.ppid, list);
  }
  const groups = new Map<string, Map<number, number>>();
  const claimed = new Set<number>();
  for (const [group, pids] of Object.entries(roots)) {
    const ticks = new Map<number, number>();
    const stack = pids.filter((pid) => procs.has(pid));
    for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
      if (claimed.has(pid)) continue;
      claimed.add(pid);
      ticks.set(pid, procs.get(pid)?.ticks ?? 0);
      stack.push(...(children.get(pid) ?? []));
    }
    groups.set(group, ticks);
  }
  return { at: performance.now(), groups };
}

/**
 * CPU of each group between two snapshots (1 = one core). A process that appeared in between
 * counts with all its ticks; one that exited in between is lost.
 */
export function treeUsage(before: TreeSnapshot, after: TreeSnapshot): Record<string, number> {
  const seconds = (after.at - before.at) / 1000;
  const usage: Record<string, number> = {};
  for (const [group, ticks] of after.groups) {
    const start = before.groups.get(group);
    let used = 0;
    for (const [pid, t] of ticks) used += t - (start?.get(pid) ?? 0);
    usage[group] = seconds > 0 ? used / TICKS_PER_SECOND / seconds : Number.NaN;
  }
  return usage;
}

/** Resident memory of a process tree, MB, as a container's memory limit would see it. */
export interface TreeMemory {
  /** Private memory of every process plus the largest one's file-backed pages. */
  readonly mb: number;
  /** The root's own VmRSS, MB (its shared file pages included). */
  readonly rootRssMb: number;
  readonly processes: number;
}

/**
 * The memory of a process and its descendants (the auth service and its hashing process): each
 * one's anonymous and shared-memory pages, plus file-backed pages counted once, for the largest
 * process, since the processes of a service map the same `node` binary and libraries, whose
 * pages a memory cgroup charges once. Summing VmRSS would count them once per process.
 */
export function treeMemory(root: number): TreeMemory {
  const pids = [
    ...(treeSnapshot({ tree: [root] })
      .groups.get('tree')
      ?.keys() ?? []),
  ];
  const kb = (status: string, field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  let privateKb = 0;
  let fileKb = 0;
  let rootRssKb = 0;
  for (const pid of pids) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    privateKb += kb(status, 'RssAnon') + kb(status, 'RssShmem');
    fileKb = Math.max(fileKb, kb(status, 'RssFile'));
    if (pid === root) rootRssKb = kb(status, 'VmRSS');
  }
  return { mb: (privateKb + fileKb) / 1024, rootRssMb: rootRssKb / 1024, processes: pids.length };
}
