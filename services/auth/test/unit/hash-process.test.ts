import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { HashPoolBusy } from '../../src/hashing/hash-pool.js';
import { HashProcess } from '../../src/hashing/hash-process.js';

/** A real hashing process (hash-host.ts, under tsx here), real threads and real bcrypt. */

const processes: HashProcess[] = [];
function hashing(options: Partial<ConstructorParameters<typeof HashProcess>[0]> = {}) {
  const made = new HashProcess({ threads: 2, queueLimit: 4, nice: 19, ...options });
  processes.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.close()));
});

/** The scheduling policy of every thread of a process (`policy` in /proc's sched: 5 = SCHED_IDLE). */
function policies(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const sched = readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8');
    return Number(/^policy\s*:\s*(\d+)/m.exec(sched)?.[1]);
  });
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

describe('HashProcess', () => {
  it('hashes and compares in a process of its own, whose hashing threads are SCHED_IDLE', async () => {
    const hashes = hashing();
    const [a, b] = await Promise.all([hashes.hash('one', 4), hashes.hash('two', 4)]);
    expect(await hashes.compare('one', a as string)).toBe(true);
    expect(await hashes.compare('one', b as string)).toBe(false);
    const pid = hashes.pid as number;
    expect(pid).not.toBe(process.pid);
    // the main thread took SCHED_IDLE before the hashing threads started, and they inherited it
    expect(policies(pid).filter((policy) => policy === 5).length).toBeGreaterThanOrEqual(3);
    const autogroup = readFileSync(`/proc/${pid}/autogroup`, 'utf8');
    expect(autogroup).toMatch(/nice 19/);
  });

  it('estimates password strength there, so that not even a long keyboard walk costs this process CPU', async () => {
    const hashes = hashing();
    // zxcvbn spends about half a second of CPU on this one (measured in-process on a 2-core VM)
    const walk = 'qwertyuiopasdfghjklzxcvbnm1234567890qwertyuiopasdfghjklzxcvbnm12345678';
    const before = process.cpuUsage();
    const [weak, walked, strong] = await Promise.all([
      hashes.strength('password1', []),
      hashes.strength(walk, []),
      hashes.strength('plaid otter canyon lantern', ['plaid@example.com']),
    ]);
    const used = process.cpuUsage(before);
    expect(weak.score).toBeLessThan(3);
    expect(weak.warning ?? weak.suggestions[0]).toBeTruthy();
    expect(walked.score).toBeGreaterThanOrEqual(0);
    expect(strong.score).toBeGreaterThanOrEqual(3);
    expect((used.user + used.system) / 1000).toBeLessThan(200);
  });

  it('refuses at once beyond its queue, with HashPoolBusy', async () => {
    const hashes = hashing({ threads: 1, queueLimit: 1 });
    const jobs = [hashes.hash('1', 8), hashes.hash('2', 8), hashes.hash('3', 8)].map((job) =>
      job.then(
        () => 'done',
        (error: unknown) => (error instanceof HashPoolBusy ? 'busy' : String(error)),
      ),
    );
    expect(await Promise.all(jobs)).toEqual(['done', 'done', 'busy']);
  });

  it('fails what a dead process was running, and starts a new one for the next operation', async () => {
    const hashes = hashing({ threads: 1 });
    await hashes.hash('warm', 4);
    const first = hashes.pid as number;
    const running = hashes.hash('slow', 12);
    process.kill(first, 'SIGKILL');
    await expect(running).rejects.toThrow('exited');
    expect(await hashes.compare('x', await hashes.hash('x', 4))).toBe(true);
    expect(hashes.pid).not.toBe(first);
  });

  it('stops its process when closed, and refuses work afterwards', async () => {
    const hashes = hashing();
    await hashes.hash('x', 4);
    const pid = hashes.pid as number;
    await hashes.close();
    expect(alive(pid)).toBe(false);
    await expect(hashes.hash('y', 4)).rejects.toThrow('closed');
  });

  it('exits on its own when the auth process dies without closing it', async () => {
    // a parent of its own that starts a hashing process, prints its pid, and is then killed
    const parent = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '--eval',
        `import { HashProcess } from ${JSON.stringify(new URL('../../src/hashing/hash-process.ts', import.meta.url).href)};
         const hashing = new HashProcess({ threads: 1, queueLimit: 1, nice: 19 });
         await hashing.hash('x', 4);
         console.log(hashing.pid);
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const hostPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      parent.once('exit', (code) => reject(new Error(`the parent exited first (${code})`)));
    });
    expect(alive(hostPid)).toBe(true);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(hostPid) && Date.now() < deadline) await sleep(50);
    expect(alive(hostPid)).toBe(false);
  }, 20_000);
});
