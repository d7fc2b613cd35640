/**
 * The password-hashing process (started by {@link HashProcess}, hash-process.ts): a
 * {@link HashPool} of low-priority bcrypt threads and one thread for zxcvbn's strength estimates
 * (whose dictionaries then live here once, not in the auth process), driven over the IPC channel.
 *
 * Why a process of its own: on a Linux host without per-service cgroups (the local stack, a VM)
 * the scheduler shares the CPU fairly between sessions ("autogroups") before it looks at threads,
 * so a low priority inside the auth service's session yields to the auth service's event loop but
 * not to the other processes a request needs (the gateway, the client). Started in a session of
 * its own (`detached`), this process lowers its whole autogroup to `nice` 19, and everything else
 * on the machine runs first. In a container (its own cgroup) autogroups do not apply, and the
 * threads' own nice value does the work.
 *
 * Exits when its parent goes away (the IPC channel closes), so a killed auth process never leaves
 * it behind.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import {
  type HashJobValue,
  HashPool,
  HashPoolBusy,
  type HashPoolOptions,
  type NumberedHashJob,
} from './hash-pool.js';

/** What the parent sends: one job at a time (the settings come as an argument). */
export type HostRequest = NumberedHashJob;

/** What the host answers. */
export type HostReply =
  | { readonly id: number; readonly value: HashJobValue }
  | { readonly id: number; readonly busy: number }
  | { readonly id: number; readonly error: string }
  | { readonly waiting: number }
  | { readonly seconds: number; readonly op: 'hash' | 'compare' };

type HostSettings = Pick<HashPoolOptions, 'threads' | 'queueLimit' | 'nice'>;

/** How long the strength thread stays without estimates to make. */
const STRENGTH_THREAD_IDLE_MS = 60_000;

// after the parent left, answers have nowhere to go (and sending would throw)
const send = (reply: HostReply) => {
  if (process.connected) process.send?.(reply);
};

if (!process.send) throw new Error('hash-host runs as a child of HashProcess, over IPC');
const settings = JSON.parse(process.argv[2] ?? '{}') as HostSettings;

if (settings.nice > 0) {
  try {
    // the autogroup of this session (this process alone): below every other session
    writeFileSync('/proc/self/autogroup', String(settings.nice));
  } catch {
    // no autogroups (another OS, or scheduling by cgroups): the threads' nice value remains
  }
  try {
    // SCHED_IDLE (Linux; no privilege needed to take it): any thread that is not idle-class
    // preempts ours at once. Threads inherit it, so every hashing thread started later has it.
    execFileSync('chrt', ['--idle', '--pid', '0', String(process.pid)], { stdio: 'ignore' });
  } catch {
    // no chrt, or not Linux: the nice values above remain
  }
}

const pool = new HashPool({
  ...settings,
  observe: (op, seconds) => {
    if (op !== 'strength') send({ op, seconds });
  },
  observeQueue: (waiting) => send({ waiting }),
});
// one thread: estimates are rarer than logins (registrations and password changes only), and
// each thread that ran one would hold its own copy of the dictionaries (about 50 MB of memory),
// which it gives back after a minute without estimates
const strengthPool = new HashPool({
  threads: 1,
  queueLimit: settings.queueLimit,
  nice: settings.nice,
  idleMs: STRENGTH_THREAD_IDLE_MS,
});

process.on('message', ({ id, ...job }: HostRequest) => {
  (job.op === 'strength' ? strengthPool : pool).submit(job).then(
    (value) => send({ id, value }),
    (error: unknown) =>
      send(
        error instanceof HashPoolBusy
          ? { id, busy: error.retryAfterSeconds }
          : { id, error: error instanceof Error ? error.message : String(error) },
      ),
  );
});
// the parent is gone (exited, killed): nothing left to hash for
process.on('disconnect', () => {
  void Promise.all([pool.close(), strengthPool.close()]).finally(() => process.exit(0));
});
