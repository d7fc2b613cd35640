import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../command.js';

/**
 * Unmounts everything mounted under `roots` (pod volumes, container root filesystems, pod network
 * namespaces), deepest first; a mount still busy is detached lazily so that removal can go on.
 */
export async function unmountUnder(roots: readonly string[]): Promise<void> {
  const mountPoints = mountsUnder(roots).sort((a, b) => b.length - a.length);
  for (const point of new Set(mountPoints)) {
    await runCommand('umount', [point]).catch(() =>
      runCommand('umount', ['--lazy', point]).catch(() => undefined),
    );
  }
}

/** The mount points under `roots`, as /proc/self/mountinfo lists them. */
export function mountsUnder(roots: readonly string[]): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    .map(unescapeMountPoint)
    .filter((point) => roots.some((root) => point === root || point.startsWith(`${root}/`)));
}

/**
 * Processes whose command line names one of `paths` (every program the cluster starts is given
 * its state or run folder: a config file, a socket, a data folder), other than this one.
 */
export function processesNaming(paths: readonly string[]): { pid: number; command: string }[] {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue; // gone meanwhile
    }
    if (paths.some((path) => command.includes(path))) found.push({ pid, command });
  }
  return found;
}

/** mountinfo escapes spaces, tabs, newlines and backslashes as octal. */
function unescapeMountPoint(point: string): string {
  return point.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
}

/**
 * The pids of every process in the kubelet's pod cgroups (`kubepods` of the v1 `pids` hierarchy,
 * which holds every container process): what is left of the pods when containerd was not there
 * to kill them, e.g. after the session that started the cluster ended.
 */
export function podProcesses(): number[] {
  const root = '/sys/fs/cgroup/pids/kubepods';
  if (!existsSync(root)) return [];
  const pids = new Set<number>();
  for (const dir of subdirectoriesDeepestFirst(root)) {
    const procs = join(dir, 'cgroup.procs');
    if (!existsSync(procs)) continue;
    for (const line of readFileSync(procs, 'utf8').split('\n')) {
      if (line.trim()) pids.add(Number(line));
    }
  }
  return [...pids];
}

/**
 * Removes the cgroups the kubelet made (`kubepods` in every v1 hierarchy), deepest first. They are
 * empty once every container is gone; one that is not stays, and is reported.
 */
export function removeKubeletCgroups(): string[] {
  const left: string[] = [];
  const base = '/sys/fs/cgroup';
  if (!existsSync(base)) return left;
  for (const hierarchy of readdirSync(base)) {
    const root = join(base, hierarchy, 'kubepods');
    if (!existsSync(root)) continue;
    for (const dir of subdirectoriesDeepestFirst(root)) {
      try {
        rmdirSync(dir);
      } catch {
        left.push(dir);
      }
    }
  }
  return left;
}

function subdirectoriesDeepestFirst(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
    }
    found.push(dir);
  };
  walk(root);
  return found;
}
