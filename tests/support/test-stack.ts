import type { TestProject } from 'vitest/node';
import { stackLayout } from '../../scripts/stack/layout.js';
import { down, up } from '../../scripts/stack/stack.js';
import type { StackInfo } from '../../scripts/stack/stack-info.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running test stack: URLs (with credentials) of every component. */
    stack: StackInfo;
  }
}

/** Ports of the test stack: the development stack's plus this offset, so both can run at once. */
export const TEST_STACK_PORT_OFFSET = Number(process.env.TEST_STACK_PORT_OFFSET ?? 100);

/**
 * Global setup of the integration suites: a fresh stack of real servers named `test` on shifted
 * ports, stopped after the run (kept with KEEP_TEST_STACK=1 for debugging).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const layout = stackLayout({ name: 'test', portOffset: TEST_STACK_PORT_OFFSET });
  const started = Date.now();
  const info = await up(layout, { fresh: true });
  console.log(`[test stack] up in ${Date.now() - started} ms at ${info.gatewayUrl}`);
  project.provide('stack', info);
  return async () => {
    if (process.env.KEEP_TEST_STACK === '1') return;
    await down(layout);
  };
}
