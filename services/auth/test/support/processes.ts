import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../../scripts/stack/layout.js';
import { eventually, freePort } from '../../../../tests/support/wait.js';

export { eventually, freePort };

/** A real auth process started from `services/auth/dist` (as in its image). */
export interface AuthProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node services/auth/dist/main.js` with `env` on free ports and waits for `/readyz`.
 * SHUTDOWN_DRAIN_DELAY_MS is 100 unless `env` sets it.
 */
export async function startAuthProcess(env: NodeJS.ProcessEnv): Promise<AuthProcess> {
  const port = await freePort();
  const metricsPort = await freePort();
  let output = '';
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services/auth/dist/main.js')], {
    env: {
      // a short drain unless the test is about the drain
      SHUTDOWN_DRAIN_DELAY_MS: '100',
      ...env,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  await eventually(
    async () => (await fetch(`${url}/readyz`)).status === 200,
    20_000,
    `auth process on ${port}: ${output}`,
  );
  return {
    url,
    child,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
