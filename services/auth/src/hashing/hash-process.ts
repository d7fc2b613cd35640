import { type ChildProcess, fork } from 'node:child_process';
import type { HostReply, HostRequest } from './hash-host.js';
import {
  type HashJob,
  type HashJobValue,
  HashPoolBusy,
  type HashPoolOptions,
} from './hash-pool.js';
import type { StrengthEstimate } from './password-strength.js';

/** Settings of a {@link HashProcess}: those of the pool it runs (hash-pool.ts). */
export type HashProcessOptions = HashPoolOptions;

/** How long {@link HashProcess.close} waits for the process before it kills it. */
const CLOSE_TIMEOUT_MS = 5_000;

interface Pending {
  readonly resolve: (value: HashJobValue) => void;
  readonly reject: (error: Error) => void;
}

/**
 * bcrypt in a process of its own at the lowest CPU priority (hash-host.ts says why a process),
 * seen from the auth service: `hash` and `compare` as promises, a full queue as
 * {@link HashPoolBusy}. The process starts on first use and again after it dies; operations it
 * was running when it died fail, and the next ones go to the new process.
 */
export class HashProcess {
  readonly #options: HashProcessOptions;
  readonly #pending = new Map<number, Pending>();
  #child: ChildProcess | undefined;
  #nextId = 1;
  #closed = false;

  constructor(options: HashProcessOptions) {
    this.#options = options;
  }

  /** A bcrypt hash of `password` at `cost`. @throws {@link HashPoolBusy} */
  hash(password: string, cost: number): Promise<string> {
    return this.#submit({ op: 'hash', password, cost }) as Promise<string>;
  }

  /** Whether `password` matches `hash`. @throws {@link HashPoolBusy} */
  compare(password: string, hash: string): Promise<boolean> {
    return this.#submit({ op: 'compare', password, hash }) as Promise<boolean>;
  }

  /** zxcvbn's estimate of `password` (hashing/password-strength.ts). @throws {@link HashPoolBusy} */
  strength(password: string, userInputs: readonly string[]): Promise<StrengthEstimate> {
    return this.#submit({ op: 'strength', password, userInputs }) as Promise<StrengthEstimate>;
  }

  /** The hashing process's pid, once started (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Stops the process; operations in flight are rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    const child = this.#child;
    this.#child = undefined;
    this.#failAll(new Error('the password-hashing process was closed'));
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect(); // the host exits when its channel closes
    // a bcrypt call cannot be interrupted, but none lasts seconds: a host still there is stuck
    const stuck = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
    await exited;
    clearTimeout(stuck);
  }

  #submit(job: HashJob): Promise<HashJobValue> {
    if (this.#closed) return Promise.reject(new Error('the password-hashing process was closed'));
    const child = this.#started();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      // a request waits on the channel: keep the service alive for it
      if (this.#pending.size === 0) child.channel?.ref();
      this.#pending.set(id, { resolve, reject });
      child.send({ id, ...job } satisfies HostRequest);
    });
  }

  #started(): ChildProcess {
    if (this.#child) return this.#child;
    const { threads, queueLimit, nice } = this.#options;
    const fromSource = import.meta.url.endsWith('.ts');
    const child = fork(
      new URL(fromSource ? './hash-host.ts' : './hash-host.js', import.meta.url),
      [JSON.stringify({ threads, queueLimit, nice })],
      {
        // a session, and so an autogroup, of its own: see hash-host.ts
        detached: true,
        // under the test runner the host is TypeScript, which tsx loads
        execArgv: fromSource ? ['--import', 'tsx'] : [],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    child.on('message', (reply: HostReply) => this.#receive(reply));
    child.on('exit', () => {
      if (this.#child !== child) return;
      this.#child = undefined;
      this.#failAll(new Error('the password-hashing process exited'));
    });
    child.on('error', () => {
      // 'exit' follows, or the process never started: either way its operations fail there
    });
    // the process does not keep the service alive; the requests waiting on it do
    child.unref();
    child.channel?.unref();
    this.#child = child;
    return child;
  }

  #receive(reply: HostReply): void {
    if ('waiting' in reply) {
      this.#options.observeQueue?.(reply.waiting);
      return;
    }
    if ('seconds' in reply) {
      this.#options.observe?.(reply.op, reply.seconds);
      return;
    }
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#child?.channel?.unref();
    if ('value' in reply) pending.resolve(reply.value);
    else if ('busy' in reply) {
      this.#options.observeRejected?.();
      pending.reject(new HashPoolBusy(reply.busy));
    } else pending.reject(new Error(`password hashing: ${reply.error}`));
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
