/**
 * A password-hashing thread of {@link HashPool} (hash-pool.ts). It lowers its own scheduling
 * priority first, then runs bcrypt (or zxcvbn's strength estimate) synchronously, one job at a
 * time: the thread exists to burn CPU that request handling does not need, and to give it back the
 * moment request handling does.
 *
 * Kept free of static relative imports but type-only ones: it runs from `dist/` as JavaScript and,
 * under the test runner, from `src/` as TypeScript that Node strips of its types. zxcvbn
 * (password-strength) is imported by URL on its first job, so a thread that only hashes never
 * loads its dictionaries.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import bcrypt from 'bcrypt';
// type-only: erased from the JavaScript, and by Node when it strips the TypeScript
import type { HashJobValue, HashWorkerReply, NumberedHashJob } from './hash-pool.js';
import type { StrengthEstimate } from './password-strength.js';

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

type Estimator = (password: string, userInputs: readonly string[]) => StrengthEstimate;
let estimator: Promise<Estimator> | undefined;
const estimate = async (password: string, userInputs: readonly string[]) => {
  estimator ??= import(
    new URL(
      import.meta.url.endsWith('.ts') ? './password-strength.ts' : './password-strength.js',
      import.meta.url,
    ).href
  ).then((module: { estimateStrength: Estimator }) => module.estimateStrength);
  return (await estimator)(password, userInputs);
};

async function run(job: NumberedHashJob): Promise<HashJobValue> {
  if (job.op === 'hash') return bcrypt.hashSync(job.password, job.cost);
  if (job.op === 'compare') return bcrypt.compareSync(job.password, job.hash);
  return estimate(job.password, job.userInputs);
}

// A job posted behind a running one waits in the port: bcrypt runs synchronously, so the next
// message is read as soon as this one's answer is posted, without a word from the pool.
port.on('message', (job: NumberedHashJob) => {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  run(job).then(
    (value) =>
      port.postMessage({ id: job.id, value, seconds: seconds() } satisfies HashWorkerReply),
    (error: unknown) =>
      port.postMessage({
        id: job.id,
        error: error instanceof Error ? error.message : String(error),
        seconds: seconds(),
      } satisfies HashWorkerReply),
  );
});
