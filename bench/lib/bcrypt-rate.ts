/**
 * How many bcrypt hashes this machine computes per second on all its cores: the ceiling that
 * logins during the login storm are compared with. One thread per core, each hashing back to back
 * with the auth service's own bcrypt module, for a fixed time; nothing else of the benchmark runs
 * meanwhile.
 *
 *   node --import tsx bench/lib/bcrypt-rate.ts <cost> <seconds>
 *
 * Prints one JSON line: { cost, threads, seconds, hashes, perSecond }.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** The auth service's bcrypt, so that both sides measure the same code. */
const bcrypt = createRequire(new URL('../../services/auth/package.json', import.meta.url))(
  'bcrypt',
) as { hashSync(data: string, rounds: number): string };

export interface BcryptRate {
  readonly cost: number;
  readonly threads: number;
  readonly seconds: number;
  readonly hashes: number;
  readonly perSecond: number;
}

if (isMainThread) {
  const cost = Number(process.argv[2] ?? 12);
  const seconds = Number(process.argv[3] ?? 5);
  const threads = availableParallelism();
  const started = performance.now();
  const counts = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<number>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), {
            workerData: { cost, until: Date.now() + seconds * 1000 },
          });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  const elapsed = (performance.now() - started) / 1000;
  const hashes = counts.reduce((sum, n) => sum + n, 0);
  const rate: BcryptRate = { cost, threads, seconds: elapsed, hashes, perSecond: hashes / elapsed };
  console.log(JSON.stringify(rate));
} else {
  const { cost, until } = workerData as { cost: number; until: number };
  let hashes = 0;
  // a hash that ends after the deadline still counts: the elapsed time includes it
  while (Date.now() < until) {
    bcrypt.hashSync('a password of ordinary length', cost);
    hashes++;
  }
  parentPort?.postMessage(hashes);
}
