import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../../../../scripts/stack/layout.js';

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until true; throws naming `what` after `timeoutMs`. */
export async function eventually(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A real auth process started from `services/auth/dist` (as in its image). */
export interface AuthProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `node services/auth/dist/main.js` with `env` on free ports and waits for `/readyz`. */
export async function startAuthProcess(env: NodeJS.ProcessEnv): Promise<AuthProcess> {
  const port = await freePort();
  const metricsPort = await freePort();
  let output = '';
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services/auth/dist/main.js')], {
    env: {
      ...env,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      SHUTDOWN_DRAIN_DELAY_MS: '100',
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
