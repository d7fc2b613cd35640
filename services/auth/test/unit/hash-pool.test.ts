import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { HashPool, HashPoolBusy } from '../../src/hashing/hash-pool.js';

/** Real threads and real bcrypt: the pool's only collaborators. */

const pools: HashPool[] = [];
function pool(options: Partial<ConstructorParameters<typeof HashPool>[0]> = {}): HashPool {
  const made = new HashPool({ threads: 2, queueLimit: 8, nice: 19, ...options });
  pools.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/** The nice value of every thread of this process, by thread id (field 19 of /proc's stat). */
function niceByThread(): Map<number, number> {
  const tasks = readdirSync('/proc/self/task');
  return new Map(
    tasks.map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [Number(tid), Number(fields[16])];
    }),
  );
}

describe('HashPool', () => {
  it('hashes and compares with bcrypt', async () => {
    const hashes = pool();
    const hash = await hashes.hash('correct horse battery staple', 4);
    expect(hash).toMatch(/^\$2[aby]\$04\$/);
    expect(await hashes.compare('correct horse battery staple', hash)).toBe(true);
    expect(await hashes.compare('wrong', hash)).toBe(false);
  });

  it('runs bcrypt on threads at nice 19 and leaves the event loop at its own priority', async () => {
    const before = niceByThread();
    const hashes = pool({ threads: 2 });
    await Promise.all([hashes.hash('a', 4), hashes.hash('b', 4)]);
    const after = niceByThread();
    const niced = [...after].filter(([tid, nice]) => nice === 19 && before.get(tid) !== 19);
    expect(niced).toHaveLength(2);
    expect(after.get(process.pid)).toBe(before.get(process.pid));
    expect(after.get(process.pid)).not.toBe(19);
  });

  it('queues up to its limit and refuses the next at once, with a Retry-After of at least 1 s', async () => {
    const hashes = pool({ threads: 1, queueLimit: 2 });
    const accepted = [hashes.hash('1', 8), hashes.hash('2', 8), hashes.hash('3', 8)];
    expect(hashes.waiting).toBe(2);
    const refused = await hashes.hash('4', 8).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HashPoolBusy);
    expect((refused as HashPoolBusy).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    const done = await Promise.all(accepted);
    expect(done.every((hash) => hash.startsWith('$2'))).toBe(true);
    expect(hashes.waiting).toBe(0);
    // room again once the queue drained
    expect(await hashes.compare('1', done[0] as string)).toBe(true);
  });

  it('reports waiting operations and refusals', async () => {
    const waiting: number[] = [];
    let refusals = 0;
    const hashes = pool({
      threads: 1,
      queueLimit: 1,
      observeQueue: (n) => waiting.push(n),
      observeRejected: () => refusals++,
    });
    const jobs = [hashes.hash('1', 6), hashes.hash('2', 6)];
    await hashes.hash('3', 6).catch(() => undefined);
    await Promise.all(jobs);
    expect(waiting).toEqual([1, 0]);
    expect(refusals).toBe(1);
  });

  it('posts the next job behind a running one: a thread goes on without waiting for the pool', async () => {
    // nice 0: this is about the hand-over between jobs, not about priority
    const hashes = pool({ threads: 1, nice: 0 });
    await hashes.hash('the thread is up', 4);
    const first = hashes.hash('1', 4);
    const second = hashes.hash('2', 6);
    let secondDone = false;
    void second.then(() => {
      secondDone = true;
    });
    // the pool's event loop can hand nothing out for a second; both jobs need a few ms of a core
    const until = Date.now() + 1_000;
    let spins = 0;
    while (Date.now() < until) spins++;
    expect(spins).toBeGreaterThan(0);
    await first;
    // had the second job waited in the pool, it would start only now and end after this turn
    await new Promise((resolve) => setImmediate(resolve));
    expect(secondDone).toBe(true);
  });

  it('stops a thread left idle for idleMs, and starts a new one for the next job', async () => {
    const hashes = pool({ threads: 1, idleMs: 200 });
    const hash = await hashes.hash('idle', 4);
    expect(hashes.threads).toBe(1);
    const deadline = Date.now() + 10_000;
    while (hashes.threads > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hashes.threads).toBe(0);
    expect(await hashes.compare('idle', hash)).toBe(true);
    expect(hashes.threads).toBe(1);
  });

  it('rejects what is queued or running when closed, and everything after', async () => {
    const hashes = pool({ threads: 1, queueLimit: 4 });
    const jobs = [hashes.hash('1', 10), hashes.hash('2', 10)].map((job) =>
      job.then(
        () => 'done',
        (error: Error) => error.message,
      ),
    );
    await hashes.close();
    expect(await Promise.all(jobs)).toEqual([
      'the password-hashing pool was closed',
      'the password-hashing pool was closed',
    ]);
    await expect(hashes.hash('3', 4)).rejects.toThrow('closed');
  });
});
