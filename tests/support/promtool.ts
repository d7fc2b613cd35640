/**
 * Running promtool, which Debian's `prometheus` package ships and `scripts/bootstrap.sh` installs.
 * A missing promtool throws: the rule and dashboard checks must fail loudly, never pass unchecked.
 */
import { spawnSync } from 'node:child_process';

/** What one promtool run printed, and its exit status. */
export interface PromtoolRun {
  readonly status: number | null;
  /** stdout and stderr together, for assertion messages. */
  readonly output: string;
}

/**
 * Runs `promtool <args>` in `cwd`.
 * @throws Error when promtool cannot be started (not installed, not on the PATH)
 */
export function promtool(args: readonly string[], cwd?: string): PromtoolRun {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) {
    throw new Error(
      `promtool could not run (${r.error.message}): install Debian's prometheus package, e.g. with scripts/bootstrap.sh`,
      { cause: r.error },
    );
  }
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
