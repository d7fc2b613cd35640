import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** The machine and tool versions a result was measured with; recorded in every results file. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly nginx: string;
  readonly wrk: string;
  /** 1/5/15-minute load averages when the run started: other work on the machine skews results. */
  readonly loadAverageAtStart: readonly number[];
  /** `abc1234`, or `abc1234+changes` when the working tree differed from that commit. */
  readonly gitCommit: string;
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? '';
}

/** Output (stdout and stderr: nginx -v prints to stderr) of a version command; `unknown` if absent. */
function versionOf(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) return 'unknown';
  return firstLine(`${result.stdout ?? ''}${result.stderr ?? ''}`) || 'unknown';
}

export function machineInfo(repoRoot: string): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) cpuModel = match[1].trim();
  } catch {
    // not Linux: os.cpus() is the best we have
  }
  let gitCommit = 'unknown';
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot })
      .toString()
      .trim();
    // a run of uncommitted code says so: its figures belong to no commit
    const changes = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: repoRoot,
    }).toString();
    if (changes.trim() !== '') gitCommit += '+changes';
  } catch {
    // not a git checkout
  }
  const nginx = versionOf('nginx', ['-v']).replace(/^nginx version:\s*(nginx\/)?/, '');
  const wrk = /wrk\s+(\S+)/.exec(versionOf('wrk', ['-v']))?.[1] ?? 'unknown';
  return {
    cpuModel,
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: firstLine(readFileSafe('/proc/sys/kernel/osrelease')) || 'unknown',
    node: process.version,
    nginx,
    wrk,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    gitCommit,
  };
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The machine as Markdown bullet lines. */
export function machineMarkdown(m: MachineInfo): string {
  return [
    `- CPU: ${m.cpuModel}, ${m.cores} cores; memory ${m.memoryGiB} GiB; Linux ${m.kernel}`,
    `- node ${m.node}, nginx ${m.nginx}, wrk ${m.wrk}; commit ${m.gitCommit}`,
    `- load average when the run started: ${m.loadAverageAtStart.join(' / ')} (1/5/15 min)`,
  ].join('\n');
}

/**
 * CPU time used by processes and by the whole machine between two points, from /proc. Shows which
 * process saturates during a run (100 % = one core) and how busy the 2 cores were overall.
 */
export interface CpuSnapshot {
  readonly at: number;
  readonly machineBusy: number;
  readonly machineTotal: number;
  readonly processTicks: ReadonlyMap<number, number>;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function processTicks(pid: number): number {
  const stat = readFileSafe(`/proc/${pid}/stat`);
  // fields after the command name (which may contain spaces) start after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the full line, i.e. 11 and 12 here (0-based)
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

export function cpuSnapshot(pids: readonly number[]): CpuSnapshot {
  const line = readFileSafe('/proc/stat').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  return {
    at: performance.now(),
    machineBusy: total - idle,
    machineTotal: total,
    processTicks: new Map(pids.map((pid) => [pid, processTicks(pid)])),
  };
}

/** Machine busy fraction (0-1 of all cores) and per-process CPU (1 = one full core). */
export interface CpuUsage {
  readonly machineBusy: number;
  readonly processes: Readonly<Record<number, number>>;
}

/**
 * CPU milliseconds per request: a CPU share (1 = one core) held over a window of `windowMs` in
 * which `requests` were served. Dividing the share by wrk's req/s instead understates it: the
 * window also holds wrk starting and stopping, which the share counts as idle and req/s does not.
 */
export function cpuMsPerRequest(share: number, windowMs: number, requests: number): number {
  return requests > 0 ? (share * windowMs) / requests : Number.NaN;
}

export function cpuUsage(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const seconds = (after.at - before.at) / 1000;
  const processes: Record<number, number> = {};
  for (const [pid, ticks] of after.processTicks) {
    const start = before.processTicks.get(pid) ?? ticks;
    processes[pid] = seconds > 0 ? (ticks - start) / TICKS_PER_SECOND / seconds : Number.NaN;
  }
  const total = after.machineTotal - before.machineTotal;
  return {
    machineBusy: total > 0 ? (after.machineBusy - before.machineBusy) / total : Number.NaN,
    processes,
  };
}
