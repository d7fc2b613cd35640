import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { REPO_ROOT, stackLayout } from '../../scripts/stack/layout.js';
import { isAlive } from '../../scripts/stack/processes.js';
import { SERVICES, serviceBuilt } from '../../scripts/stack/services.js';
import { down, up } from '../../scripts/stack/stack.js';
import type { StackInfo } from '../../scripts/stack/stack-info.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running test stack: URLs (with credentials) of every component. */
    stack: StackInfo;
  }
}

/** The test stack's name and port offset; change both to run two test runs side by side. */
const TEST_STACK_NAME = process.env.TEST_STACK_NAME || 'test';
const TEST_STACK_PORT_OFFSET = Number(process.env.TEST_STACK_PORT_OFFSET ?? 100);

/**
 * Takes the test stack for this run, or fails naming the run that holds it: two runs on one stack
 * would delete each other's databases.
 */
function lockTestStack(name: string): () => void {
  const dir = join(REPO_ROOT, '.stack');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch {
      const holder = Number(readFileSync(path, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new Error(
          `the "${name}" test stack is in use by another test run (pid ${holder}); wait for it, or run with ` +
            'TEST_STACK_NAME=<other> TEST_STACK_PORT_OFFSET=<other offset, e.g. 500>',
        );
      }
      rmSync(path, { force: true }); // left by a run that died
    }
  }
  throw new Error(`could not lock the "${name}" test stack`);
}

/**
 * Global setup of the integration suites: a fresh stack of real servers on shifted ports, stopped
 * after the run (kept with KEEP_TEST_STACK=1 for debugging).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const layout = stackLayout({ name: TEST_STACK_NAME, portOffset: TEST_STACK_PORT_OFFSET });
  // The suites talk to the stack's auth and API processes (JWKS, the key files they write), which
  // run from dist/: without a build they would fail later with a misleading missing file.
  const unbuilt = SERVICES.filter((service) => !serviceBuilt(layout, service));
  if (unbuilt.length > 0) {
    throw new Error(
      `the test stack runs the built services, and ${unbuilt.join(' and ')} ${unbuilt.length > 1 ? 'are' : 'is'} not built: ` +
        'run `npm run build` first, or run the suites through `npm test -- <file or folder>`, which builds',
    );
  }
  const unlock = lockTestStack(TEST_STACK_NAME);
  try {
    const started = Date.now();
    const info = await up(layout, { fresh: true });
    console.log(`[test stack] up in ${Date.now() - started} ms at ${info.gatewayUrl}`);
    project.provide('stack', info);
  } catch (error) {
    await down(layout);
    unlock();
    throw error;
  }
  return async () => {
    try {
      if (process.env.KEEP_TEST_STACK !== '1') await down(layout);
    } finally {
      unlock();
    }
  };
}
