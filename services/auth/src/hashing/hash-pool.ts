import { Worker } from 'node:worker_threads';
import type { StrengthEstimate } from './password-strength.js';

/** Settings of a {@link HashPool}. */
export interface HashPoolOptions {
  /** Hashing threads: how many bcrypt operations run at once. */
  readonly threads: number;
  /** Operations that may wait for a thread; one more is refused with {@link HashPoolBusy}. */
  readonly queueLimit: number;
  /** Nice value of the threads (Linux): 19 is the lowest priority, 0 leaves theirs unchanged. */
  readonly nice: number;
  /** Receives each operation's time on a thread (not its wait in the queue). */
  readonly observe?: (operation: Operation, seconds: number) => void;
  /** Receives the number of operations waiting, after each change. */
  readonly observeQueue?: (waiting: number) => void;
  /** Told of each operation refused because the queue was full. */
  readonly observeRejected?: () => void;
  /**
   * A thread idle this long (ms) is stopped, its memory returned; the next job starts a new one.
   * Unset: threads stay.
   */
  readonly idleMs?: number;
}

/** The queue is full: the caller answers 503 with `Retry-After: retryAfterSeconds`. */
export class HashPoolBusy extends Error {
  override readonly name = 'HashPoolBusy';

  constructor(readonly retryAfterSeconds: number) {
    super('every password-hashing thread is busy and the queue is full');
  }
}

/**
 * One operation on a password, as it travels to a hashing thread (and, from the auth process, to
 * the hashing process first): the one declaration of its shape. `strength` is zxcvbn's estimate.
 */
export type HashJob =
  | { readonly op: 'hash'; readonly password: string; readonly cost: number }
  | { readonly op: 'compare'; readonly password: string; readonly hash: string }
  | { readonly op: 'strength'; readonly password: string; readonly userInputs: readonly string[] };

/** The kinds of {@link HashJob}. */
export type Operation = HashJob['op'];

/** What a job yields: a hash, whether a password matched, a strength estimate. */
export type HashJobValue = string | boolean | StrengthEstimate;

/** A job with the id its answer comes back under. */
export type NumberedHashJob = HashJob & { readonly id: number };

interface Pending {
  readonly id: number;
  readonly payload: HashJob;
  readonly resolve: (value: HashJobValue) => void;
  readonly reject: (error: Error) => void;
}

interface Thread {
  readonly worker: Worker;
  /** Posted to the thread, oldest first: the first is running, the rest wait in its port. */
  readonly jobs: Pending[];
  idleTimer?: NodeJS.Timeout;
}

/** What a hashing thread answers: a job's value or error, and its time on the thread. */
export interface HashWorkerReply {
  readonly id: number;
  readonly value?: HashJobValue;
  readonly error?: string;
  readonly seconds: number;
}

/**
 * Jobs posted to a thread at once: the one it runs and the next. A thread that finishes picks the
 * next job out of its own port at once, instead of waiting for this event loop to hand it one:
 * under load the pool's loop runs at the hashing threads' low priority, and that handover cost
 * about 6 ms in every 300 ms job during the login-storm benchmark (2 % of the logins).
 */
const JOBS_PER_THREAD = 2;

/**
 * A hashing thread's V8 heap. bcrypt allocates next to nothing and zxcvbn's dictionaries hold about
 * 25 MB; without limits each thread would get the process's own (half the container's memory, and
 * young-generation semi-spaces sized for request handling) to grow into.
 */
const WORKER_HEAP = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 4 } as const;

/** What a bcrypt-12 operation takes on one core here, until the pool has measured its own. */
const INITIAL_ESTIMATE_MS = 250;

/**
 * bcrypt off the event loop and off libuv's thread pool: dedicated threads at the lowest CPU
 * priority (hash-worker.ts), so a login storm uses every core the requests leave idle and yields
 * them as soon as `/verify` needs them. At most `queueLimit` operations wait; beyond that a caller
 * gets {@link HashPoolBusy} at once instead of joining an unbounded backlog whose every login
 * would time out anyway. Threads start on first use and are replaced if one dies.
 */
export class HashPool {
  readonly #options: HashPoolOptions;
  readonly #threads: Thread[] = [];
  readonly #queue: Pending[] = [];
  readonly #workerUrl: URL;
  #nextId = 1;
  /** The waiting count last reported to `observeQueue`. */
  #reportedWaiting = 0;
  #meanMs = INITIAL_ESTIMATE_MS;
  #closed = false;

  constructor(options: HashPoolOptions) {
    if (options.threads < 1) throw new RangeError('a HashPool needs at least one thread');
    this.#options = options;
    // from dist/ the sibling is JavaScript; under the test runner, src/ holds the TypeScript
    this.#workerUrl = new URL(
      import.meta.url.endsWith('.ts') ? './hash-worker.ts' : './hash-worker.js',
      import.meta.url,
    );
  }

  /** A bcrypt hash of `password` at `cost`. @throws {@link HashPoolBusy} */
  hash(password: string, cost: number): Promise<string> {
    return this.submit({ op: 'hash', password, cost }) as Promise<string>;
  }

  /** Whether `password` matches `hash`. @throws {@link HashPoolBusy} */
  compare(password: string, hash: string): Promise<boolean> {
    return this.submit({ op: 'compare', password, hash }) as Promise<boolean>;
  }

  /** zxcvbn's estimate of `password`. @throws {@link HashPoolBusy} */
  strength(password: string, userInputs: readonly string[]): Promise<StrengthEstimate> {
    return this.submit({ op: 'strength', password, userInputs }) as Promise<StrengthEstimate>;
  }

  /** Operations waiting for a thread now: queued here, or posted behind a thread's running job. */
  get waiting(): number {
    let behind = 0;
    for (const thread of this.#threads) behind += Math.max(0, thread.jobs.length - 1);
    return this.#queue.length + behind;
  }

  /** Threads alive now (started on demand, stopped when idle for `idleMs`). */
  get threads(): number {
    return this.#threads.length;
  }

  /** Stops the threads; operations still queued or running are rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    const stopped = new Error('the password-hashing pool was closed');
    for (const pending of this.#queue.splice(0)) pending.reject(stopped);
    await Promise.all(
      this.#threads.splice(0).map((thread) => {
        for (const job of thread.jobs.splice(0)) job.reject(stopped);
        return thread.worker.terminate();
      }),
    );
  }

  /** Runs any job (its value's type follows `payload.op`). @throws {@link HashPoolBusy} */
  submit(payload: HashJob): Promise<HashJobValue> {
    if (this.#closed) return Promise.reject(new Error('the password-hashing pool was closed'));
    const thread = this.#threadWithRoom();
    // a job posted behind a running one waits as surely as a queued one: both count to the limit
    if ((!thread || thread.jobs.length > 0) && this.waiting >= this.#options.queueLimit) {
      this.#options.observeRejected?.();
      return Promise.reject(new HashPoolBusy(this.#retryAfterSeconds()));
    }
    return new Promise((resolve, reject) => {
      const pending: Pending = { id: this.#nextId++, payload, resolve, reject };
      if (thread) this.#post(thread, pending);
      else this.#queue.push(pending);
      this.#reportWaiting();
    });
  }

  /**
   * The thread to post a job to: an idle one first, then a new one while fewer than `threads`
   * exist, then one with room behind its running job; none when every thread is full.
   */
  #threadWithRoom(): Thread | undefined {
    const idle = this.#threads.find((thread) => thread.jobs.length === 0);
    if (idle) return idle;
    if (this.#threads.length < this.#options.threads) {
      const thread = this.#spawn();
      this.#threads.push(thread);
      return thread;
    }
    return this.#threads.find((thread) => thread.jobs.length < JOBS_PER_THREAD);
  }

  #spawn(): Thread {
    const worker = new Worker(this.#workerUrl, {
      workerData: { nice: this.#options.nice },
      resourceLimits: WORKER_HEAP,
    });
    // an idle pool must not keep the process alive; the requests waiting on it do
    worker.unref();
    const thread: Thread = { worker, jobs: [] };
    worker.on('message', (message: Partial<HashWorkerReply>) => {
      const index = thread.jobs.findIndex((pending) => pending.id === message.id);
      const job = thread.jobs[index];
      if (!job) return;
      thread.jobs.splice(index, 1);
      this.#record(job.payload.op, message.seconds ?? Number.NaN);
      if (message.error !== undefined) job.reject(new Error(`${job.payload.op}: ${message.error}`));
      else job.resolve(message.value as HashJobValue);
      this.#drain();
      if (thread.jobs.length === 0) this.#idle(thread);
    });
    const lost = (error: Error) => {
      const index = this.#threads.indexOf(thread);
      if (index === -1) return;
      this.#threads.splice(index, 1);
      // the job it was running fails; those posted behind it never started, and go first to the
      // next thread: a queue does not die with a thread
      const [running, ...unstarted] = thread.jobs.splice(0);
      running?.reject(error);
      this.#queue.unshift(...unstarted);
      if (!this.#closed) this.#drain();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`a password-hashing thread exited (${code})`)));
    return thread;
  }

  /** A thread with nothing to do: it no longer keeps the process alive, and may retire. */
  #idle(thread: Thread): void {
    thread.worker.unref();
    const { idleMs } = this.#options;
    if (idleMs === undefined) return;
    thread.idleTimer = setTimeout(() => {
      const index = this.#threads.indexOf(thread);
      if (index === -1 || thread.jobs.length > 0) return;
      // out of the list first, so that its exit is not taken for a death
      this.#threads.splice(index, 1);
      void thread.worker.terminate();
    }, idleMs);
    thread.idleTimer.unref();
  }

  #post(thread: Thread, pending: Pending): void {
    clearTimeout(thread.idleTimer);
    thread.jobs.push(pending);
    thread.worker.ref(); // a request waits on it
    thread.worker.postMessage({ id: pending.id, ...pending.payload } satisfies NumberedHashJob);
  }

  /** Posts queued jobs to threads while any has room (after a job ends, or a thread died). */
  #drain(): void {
    // the queue first: looking for a thread may start one
    while (this.#queue.length > 0) {
      const thread = this.#threadWithRoom();
      if (!thread) break;
      this.#post(thread, this.#queue.shift() as Pending);
    }
    this.#reportWaiting();
  }

  /** Tells `observeQueue` the waiting count when it changed. */
  #reportWaiting(): void {
    const waiting = this.waiting;
    if (waiting === this.#reportedWaiting) return;
    this.#reportedWaiting = waiting;
    this.#options.observeQueue?.(waiting);
  }

  /** Takes a job's time on its thread, as the thread measured it. */
  #record(operation: Operation, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    this.#meanMs = this.#meanMs * 0.9 + seconds * 1000 * 0.1;
    this.#options.observe?.(operation, seconds);
  }

  /** When the queue will have room again, at the measured pace, in whole seconds (≥ 1). */
  #retryAfterSeconds(): number {
    const drainMs = (this.#queue.length * this.#meanMs) / this.#options.threads;
    return Math.max(1, Math.ceil(drainMs / 1000));
  }
}
