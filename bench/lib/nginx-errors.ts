import { existsSync, readFileSync } from 'node:fs';

/**
 * Lines at level error or worse in an nginx error log (0 when there is none yet): the benchmarks
 * count them before and after their runs, and a run that made nginx complain says so.
 */
export function nginxErrorLines(file: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /\[(error|crit|alert|emerg)\]/.test(line)).length;
}
