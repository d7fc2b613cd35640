/**
 * A password-hashing thread of {@link HashPool} (hash-pool.ts). It lowers its own scheduling
 * priority first, then runs bcrypt synchronously, one job at a time: the thread exists to burn CPU
 * that request handling does not need, and to give it back the moment request handling does.
 *
 * Kept free of relative imports but a type-only one: it runs from `dist/` as JavaScript and,
 * under the test runner, from `src/` as TypeScript that Node strips of its types.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import bcrypt from 'bcrypt';
// type-only: erased from the JavaScript, and by Node when it strips the TypeScript
import type { NumberedHashJob } from './hash-pool.js';

const port = parentPort;
if (!port) throw new Error('hash-worker.ts runs as a worker thread of HashPool');
const { nice } = workerData as { nice: number };

// On Linux a thread is its own scheduling entity, and setpriority(PRIO_PROCESS, 0) (what
// os.setPriority does without a pid) changes the calling thread only: this thread, not the event
// loop. Elsewhere it would change the whole process, so it is not done there.
let niced = false;
if (nice !== 0 && process.platform === 'linux') {
  setPriority(nice);
  niced = true;
}
port.postMessage({ ready: true, niced });

port.on('message', (job: NumberedHashJob) => {
  try {
    const value =
      job.op === 'hash'
        ? bcrypt.hashSync(job.password, job.cost)
        : bcrypt.compareSync(job.password, job.hash);
    port.postMessage({ id: job.id, value });
  } catch (error) {
    port.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
});
