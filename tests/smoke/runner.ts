/**
 * Runs the smoke checks in order and times each. After the first failure the rest are skipped:
 * they build on what the failed one should have produced, and their errors would only be noise.
 */

import { NetworkError } from '@shardgate/client';
import type { SmokeCheck } from './checks.js';
import type { SmokeContext } from './context.js';

/** The outcome of one check, free of secrets (messages are scrubbed). */
export interface CheckResult {
  readonly name: string;
  readonly status: 'ok' | 'fail' | 'skip';
  /** Wall time of the check in milliseconds (0 when skipped). */
  readonly ms: number;
  /** A short note on success, e.g. the new user's id. */
  readonly detail?: string;
  /** Why it failed. */
  readonly error?: string;
  /** True when it failed because nothing answered at the base URL. */
  readonly unreachable?: boolean;
}

/**
 * Runs `checks` one after the other against `ctx`, reporting each result as soon as it is known
 * (the reuse check waits several seconds, and a silent run looks hung).
 */
export async function runChecks(
  checks: readonly SmokeCheck[],
  ctx: SmokeContext,
  onResult: (result: CheckResult) => void = () => {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const report = (result: CheckResult) => {
    results.push(result);
    onResult(result);
  };
  for (const check of checks) {
    if (results.some((r) => r.status === 'fail')) {
      report({ name: check.name, status: 'skip', ms: 0 });
      continue;
    }
    const started = performance.now();
    try {
      const detail = await check.run(ctx);
      report({
        name: check.name,
        status: 'ok',
        ms: Math.round(performance.now() - started),
        ...(detail ? { detail: ctx.secrets.scrub(detail) } : {}),
      });
    } catch (error) {
      const unreachable = error instanceof NetworkError;
      // a bug in a check (a TypeError, say) is reported like a failure, with its type named
      const message =
        error instanceof Error
          ? error.name === 'CheckFailure' || unreachable
            ? error.message
            : `${error.name}: ${error.message}`
          : String(error);
      report({
        name: check.name,
        status: 'fail',
        ms: Math.round(performance.now() - started),
        error: ctx.secrets.scrub(message),
        ...(unreachable ? { unreachable } : {}),
      });
    }
  }
  return results;
}
