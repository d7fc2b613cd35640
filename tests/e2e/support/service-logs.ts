import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

/** One JSON log line of a service (pino): `service`, `msg`, `reqId` and whatever else it logged. */
export type LogLine = Record<string, unknown> & { service?: string; reqId?: string };

/**
 * Every JSON line the stack's services have written so far, from every file in the stack's log
 * folder (a restarted process may log to another file). Lines that are not JSON are skipped.
 */
export function serviceLogLines(): LogLine[] {
  const dir = join(inject('stack').dir, 'logs');
  if (!existsSync(dir)) throw new Error(`no log folder at ${dir}`);
  const lines: LogLine[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.log'))) {
    for (const text of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!text.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        // a line being written right now
      }
    }
  }
  return lines;
}

/** The log lines of `service` (`auth` or `api`) carrying request id `reqId`. */
export function linesWithRequestId(service: string, reqId: string): LogLine[] {
  return serviceLogLines().filter((line) => line.service === service && line.reqId === reqId);
}
