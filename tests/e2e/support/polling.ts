import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link msUntil}. */
export interface PollOptions {
  /** Give up (and throw) after this long. @default 5000 */
  readonly timeoutMs?: number;
  /** Pause between probes. @default 20 */
  readonly intervalMs?: number;
  /** What is awaited, for the error message. */
  readonly what: string;
}

/**
 * Probes until `done` answers true and returns the milliseconds from `since` (a
 * `performance.now()` reading) to the end of the probe that saw it: an upper bound on how long the
 * change took to become visible. Throws after the timeout. (To wait without measuring, use
 * `eventually` of tests/support/wait.ts.)
 */
export async function msUntil(
  since: number,
  done: () => Promise<boolean>,
  options: PollOptions,
): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const intervalMs = options.intervalMs ?? 20;
  for (;;) {
    const result = await done();
    const elapsed = performance.now() - since;
    if (result) return elapsed;
    if (elapsed > timeoutMs) throw new Error(`${options.what}: not seen after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
