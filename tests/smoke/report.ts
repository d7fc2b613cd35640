/**
 * How a smoke run is shown: one line per check for people, one JSON document for machines, and
 * the exit code both share.
 */
import type { CheckResult } from './runner.js';

/** Exit codes of the smoke CLI (documented in docs/smoke.md). */
export const EXIT = {
  /** Every check passed. */
  ok: 0,
  /** A check failed: the edge answered, but not as it should. */
  failed: 1,
  /** The command line was wrong. */
  usage: 2,
  /** Nothing answered at the base URL (connection refused, DNS failure or timeout). */
  unreachable: 3,
} as const;

/** The exit code for a finished run. */
export function exitCode(results: readonly CheckResult[]): number {
  const failed = results.find((r) => r.status === 'fail');
  if (!failed) return EXIT.ok;
  return failed.unreachable ? EXIT.unreachable : EXIT.failed;
}

const LABEL = { ok: 'ok  ', fail: 'FAIL', skip: 'skip' } as const;

/** One line for a check: `  ok    discovery: JWKS  (12 ms)  1 key(s): k-2026-05`. */
export function formatResult(result: CheckResult, nameWidth: number): string {
  const timing = result.status === 'skip' ? '' : `(${result.ms} ms)`;
  const note = result.error ?? result.detail ?? '';
  return `  ${LABEL[result.status]}  ${result.name.padEnd(nameWidth)}  ${timing.padStart(10)}  ${note}`.trimEnd();
}

/** The closing lines: a verdict, and for a failure what to do about it. */
export function formatSummary(
  baseUrl: string,
  results: readonly CheckResult[],
  durationMs: number,
): string {
  const passed = results.filter((r) => r.status === 'ok').length;
  const seconds = (durationMs / 1000).toFixed(1);
  const failed = results.find((r) => r.status === 'fail');
  if (!failed) return `smoke: all ${passed} checks passed against ${baseUrl} in ${seconds} s`;
  const lines = [
    `smoke: FAILED at "${failed.name}" against ${baseUrl} (${passed}/${results.length} passed, ${seconds} s)`,
    `  ${failed.error}`,
  ];
  if (failed.unreachable) {
    lines.push(
      '  Is the stack running? Locally: `npm run up` (the gateway is on http://127.0.0.1:8080);',
      '  on a cluster: `kubectl -n ingress-nginx port-forward svc/ingress-nginx-controller 8080:80`.',
    );
  }
  return lines.join('\n');
}

/** The machine-readable report printed by `--json`. */
export interface JsonReport {
  readonly baseUrl: string;
  readonly ok: boolean;
  readonly exitCode: number;
  readonly durationMs: number;
  readonly checks: readonly CheckResult[];
}

/** Builds the `--json` report of a finished run. */
export function jsonReport(
  baseUrl: string,
  results: readonly CheckResult[],
  durationMs: number,
): JsonReport {
  const code = exitCode(results);
  return { baseUrl, ok: code === EXIT.ok, exitCode: code, durationMs, checks: results };
}
