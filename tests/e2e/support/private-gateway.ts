import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { EndpointMap } from '../../../scripts/stack/ingress-render.js';
import { stackLayout } from '../../../scripts/stack/layout.js';
import {
  checkedNginxCommand,
  nginxPaths,
  renderGatewayConfig,
} from '../../../scripts/stack/nginx.js';
import { eventually, freePort } from '../../support/wait.js';

/** One request as the echo backend received it. */
export interface EchoedRequest {
  readonly method: string;
  readonly url: string;
  /** Names and values in the order they arrived, names spelled as sent: `[name, value, ...]`. */
  readonly rawHeaders: readonly string[];
}

/** A node:http server that answers every request 200 with the request it received, as JSON. */
export interface EchoBackend {
  /** `127.0.0.1:<port>`, as an endpoint of a Service. */
  readonly endpoint: string;
  /** Every request received so far. */
  readonly received: readonly EchoedRequest[];
  close(): Promise<void>;
}

/** Starts an {@link EchoBackend} on an ephemeral loopback port. */
export async function startEchoBackend(): Promise<EchoBackend> {
  const received: EchoedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const echoed = { method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders };
    received.push(echoed);
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify(echoed);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `127.0.0.1:${port}`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An nginx of a test's own, rendered from the same Ingresses as the stack's gateway. */
export interface PrivateGateway {
  readonly url: string;
  /** Stops nginx (SIGQUIT, graceful) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts a gateway rendered from `k8s/dev/ingress.k8s.yaml` exactly as the stack's (same
 * renderer, same annotations), with the Services mapped to `endpoints` instead of the stack's
 * processes; its files live under `.stack/<test stack>-<name>/nginx`.
 */
export async function startPrivateGateway(
  name: string,
  endpoints: EndpointMap,
): Promise<PrivateGateway> {
  const layout = stackLayout({ name: `${inject('stack').name}-${name}` });
  const dir = join(layout.dir, 'nginx');
  rmSync(dir, { recursive: true, force: true });
  const paths = nginxPaths(layout, dir, join(dir, 'error.log'), `${name}-nginx-tmp`);
  const port = await freePort();
  const config = renderGatewayConfig(layout, {
    paths,
    endpoints,
    listen: `127.0.0.1:${port}`,
    accessLog: join(dir, 'access.log'),
    comment: `Written by tests/e2e/support/private-gateway.ts for "${name}"`,
  });
  const [command, args] = await checkedNginxCommand(layout, paths, config);
  let output = '';
  const nginx: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  nginx.stdout?.on('data', collect);
  nginx.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => nginx.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (nginx.exitCode === null && nginx.signalCode === null) {
      nginx.kill('SIGQUIT');
      await exited;
    }
  };
  try {
    // unrouted paths get the default backend's 404 once nginx listens
    await eventually(
      async () => (await fetch(`${url}/`)).status === 404,
      10_000,
      `the private gateway on ${url}`,
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}; nginx said: ${output.trim() || 'nothing'}`);
  }
  return { url, stop };
}
