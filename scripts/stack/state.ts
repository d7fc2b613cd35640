import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackLayout } from './layout.js';

/** A process the stack started, as recorded in `.stack/<name>/state.json`. */
export interface ComponentRecord {
  readonly pid: number;
  readonly port: number;
  /** A string found in the process's command line; see `isOurProcess`. */
  readonly marker: string;
  readonly logFile: string;
  /** What was started (for services, their build's time); a different value means restart. */
  readonly version?: string;
}

/** The stack's record of what it started, keyed by component id. */
export type StackState = Record<string, ComponentRecord>;

/** Passwords generated once per stack, kept in a 0600 file inside the stack folder. */
export interface StackSecrets {
  readonly pgPassword: string;
  readonly redisPassword: string;
}

const statePath = (layout: StackLayout) => join(layout.dir, 'state.json');

/** Reads the recorded components; an absent file means nothing is running. */
export function readState(layout: StackLayout): StackState {
  const path = statePath(layout);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StackState) : {};
}

/** Records one component (write to a temp file, then rename, so a crash never leaves half a file). */
export function recordComponent(
  layout: StackLayout,
  id: string,
  record: ComponentRecord | null,
): void {
  const state = readState(layout);
  if (record) state[id] = record;
  else delete state[id];
  mkdirSync(layout.dir, { recursive: true });
  const temp = `${statePath(layout)}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temp, statePath(layout));
}

/** Loads the stack's passwords, generating them on first use. */
export function stackSecrets(layout: StackLayout): StackSecrets {
  const path = join(layout.dir, 'secrets.json');
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as StackSecrets;
  // hex keeps the passwords safe inside URLs and config files without escaping
  const secrets: StackSecrets = {
    pgPassword: randomBytes(18).toString('hex'),
    redisPassword: randomBytes(18).toString('hex'),
  };
  mkdirSync(layout.dir, { recursive: true });
  writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
