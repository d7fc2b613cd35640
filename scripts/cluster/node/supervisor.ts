import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOurProcess, spawnDetached, stopProcess } from '../../stack/processes.js';
import { CommandError } from '../command.js';
import type { ClusterLayout } from '../layout.js';
import type { Component } from './components.js';
import { inNode, runInNode } from './netns.js';

/** A process the cluster started, as recorded in `<stateDir>/processes.json`. */
export interface ProcessRecord {
  readonly pid: number;
  /** The program's path: found in its command line, see `isOurProcess`. */
  readonly marker: string;
  readonly logFile: string;
}

type ProcessTable = Record<string, ProcessRecord>;

const tablePath = (layout: ClusterLayout) => join(layout.stateDir, 'processes.json');

/** The processes recorded as started, by component name. */
export function readProcessTable(layout: ClusterLayout): ProcessTable {
  const path = tablePath(layout);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ProcessTable) : {};
}

function record(layout: ClusterLayout, name: string, entry: ProcessRecord | null): void {
  const table = readProcessTable(layout);
  if (entry) table[name] = entry;
  else delete table[name];
  const temp = `${tablePath(layout)}.tmp`;
  writeFileSync(temp, `${JSON.stringify(table, null, 2)}\n`);
  renameSync(temp, tablePath(layout));
}

/** True when the recorded process of `name` is alive and still ours. */
export function isRunning(layout: ClusterLayout, name: string): boolean {
  const entry = readProcessTable(layout)[name];
  return entry !== undefined && isOurProcess(entry.pid, entry.marker);
}

/** Runs a component's health check inside the node; true when it passes. */
export async function isHealthy(component: Component): Promise<boolean> {
  try {
    await runInNode(component.healthCheck);
    return true;
  } catch (error) {
    if (error instanceof CommandError) return false;
    throw error;
  }
}

/**
 * Starts a component inside the node (unless it already runs), records its pid, and waits for its
 * health check. On timeout the error carries the end of the component's log.
 */
export async function startComponent(layout: ClusterLayout, component: Component): Promise<void> {
  if (!isRunning(layout, component.name)) {
    mkdirSync(layout.logDir, { recursive: true });
    const logFile = join(layout.logDir, `${component.name}.log`);
    const [command, ...args] = inNode(component.argv);
    const pid = spawnDetached(command as string, args, { env: process.env, logFile });
    record(layout, component.name, { pid, marker: component.argv[0] as string, logFile });
  }
  const deadline = Date.now() + component.startTimeoutMs;
  for (;;) {
    if (await isHealthy(component)) return;
    if (
      !isRunning(layout, component.name) &&
      !(await isRunningAfter(layout, component.name, 250))
    ) {
      throw new Error(
        `${component.name} exited while starting:\n${logTail(layout, component.name)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${component.name} was not healthy after ${component.startTimeoutMs / 1000} s:\n${logTail(layout, component.name)}`,
      );
    }
    await sleep(250);
  }
}

/**
 * Asks {@link isRunning} again after `ms`: while `nsenter` execs the program, the kernel shows an
 * empty command line for an instant, which reads as "not ours" (a CI run once declared a healthy
 * kube-controller-manager exited that way). A process that really ended stays ended.
 */
async function isRunningAfter(layout: ClusterLayout, name: string, ms: number): Promise<boolean> {
  await sleep(ms);
  return isRunning(layout, name);
}

/** Stops a recorded component by its pid (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopComponent(
  layout: ClusterLayout,
  name: string,
  graceMs = 20_000,
): Promise<void> {
  const entry = readProcessTable(layout)[name];
  if (!entry) return;
  if (isOurProcess(entry.pid, entry.marker)) await stopProcess(entry.pid, 'SIGTERM', graceMs);
  record(layout, name, null);
}

/** The last lines of a component's log, for error messages. */
export function logTail(layout: ClusterLayout, name: string, lines = 30): string {
  const path = join(layout.logDir, `${name}.log`);
  if (!existsSync(path)) return '(no log)';
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
