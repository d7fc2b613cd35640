/**
 * Freezes every process of a pod on the local cluster's node (this machine) with the cgroup
 * freezer, as if its node had stopped answering: nothing runs, nothing is sent, no connection is
 * closed; then, if asked, kills them where they stand. Only the local cluster allows this (its node is this machine); the drill that uses it
 * stands for "the primary's node is lost".
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The freezer of one pod's cgroup: v1 (`freezer.state`) or v2 (`cgroup.freeze`). */
interface PodFreezer {
  readonly dir: string;
  readonly v2: boolean;
}

/** Finds the directory of the pod's cgroup (cgroupfs or systemd naming) below `root`, depth ≤ 4. */
function findPodCgroup(root: string, uid: string, depth = 0): string | undefined {
  if (depth > 4 || !existsSync(root)) return undefined;
  const names = [`pod${uid}`, `pod${uid.replaceAll('-', '_')}.slice`];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    if (names.some((n) => entry.name === n || entry.name.endsWith(`-${n}`))) {
      return join(root, entry.name);
    }
    // kubepods, then its QoS classes (burstable, besteffort) or their systemd slices
    if (
      entry.name.startsWith('kubepods') ||
      entry.name === 'burstable' ||
      entry.name === 'besteffort'
    ) {
      const found = findPodCgroup(join(root, entry.name), uid, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

function podFreezer(uid: string): PodFreezer {
  const v1 = findPodCgroup('/sys/fs/cgroup/freezer', uid);
  if (v1) return { dir: v1, v2: false };
  for (const root of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    const dir = findPodCgroup(root, uid);
    if (dir && existsSync(join(dir, 'cgroup.freeze'))) return { dir, v2: true };
  }
  throw new Error(
    `no freezer cgroup for pod ${uid} on this machine (looked under /sys/fs/cgroup): the drill needs the local cluster's node and root`,
  );
}

async function setFrozen(uid: string, frozen: boolean): Promise<void> {
  const { dir, v2 } = podFreezer(uid);
  const file = join(dir, v2 ? 'cgroup.freeze' : 'freezer.state');
  writeFileSync(file, v2 ? (frozen ? '1' : '0') : frozen ? 'FROZEN' : 'THAWED');
  const want = v2 ? `frozen ${frozen ? 1 : 0}` : frozen ? 'FROZEN' : 'THAWED';
  const stateFile = v2 ? join(dir, 'cgroup.events') : file;
  const deadline = Date.now() + 10_000;
  while (!readFileSync(stateFile, 'utf8').includes(want)) {
    if (Date.now() > deadline) throw new Error(`pod ${uid}: not ${want} after 10 s`);
    await sleep(50);
  }
}

/** Freezes the pod's processes; resolves once the kernel reports them frozen. */
export function freezePod(uid: string): Promise<void> {
  return setFrozen(uid, true);
}

/** The processes of a cgroup and of the cgroups below it (a pod's containers). */
function processesBelow(dir: string): number[] {
  const own = readFileSync(join(dir, 'cgroup.procs'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
  const below = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => processesBelow(join(dir, e.name)));
  return [...own, ...below];
}

/**
 * Kills every process of a frozen pod with SIGKILL, then thaws it so that the kills land: the
 * processes die where they stood, without running a single instruction more (no shutdown
 * checkpoint, no last WAL sent), as on a node that lost power.
 */
export async function killFrozenPod(uid: string): Promise<number> {
  const { dir } = podFreezer(uid);
  const pids = processesBelow(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await setFrozen(uid, false);
  return pids.length;
}

/** Lets the pod's processes run again (those already gone from the node: nothing to do). */
export async function thawPod(uid: string): Promise<void> {
  try {
    await setFrozen(uid, false);
  } catch (error) {
    if (!/no freezer cgroup/.test((error as Error).message)) throw error;
  }
}
