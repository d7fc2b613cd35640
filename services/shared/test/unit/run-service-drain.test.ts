import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../../src/lifecycle.js';
import { createLogger } from '../../src/logger.js';
import { runService } from '../../src/run-service.js';

/** GET `/` on a keep-alive agent: the status and the `Connection` header of the answer. */
function get(port: number, agent: Agent): Promise<{ status: number; connection: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, connection: String(res.headers.connection) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('runService drain', () => {
  it('answers with Connection: close once shutdown begins, even when the handler clears headers', async () => {
    const lifecycle = new Lifecycle();
    const service = await runService({
      name: 'drain-test',
      // like Koa's error path: clear every header, then answer
      handler: (_req, res) => {
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        res.statusCode = 200;
        res.end('ok');
      },
      settings: {
        HOST: '127.0.0.1',
        PORT: 0,
        METRICS_PORT: 0,
        LOG_LEVEL: 'silent',
        SHUTDOWN_DRAIN_DELAY_MS: 300,
        SHUTDOWN_TIMEOUT_MS: 1_000,
      },
      registry: new Registry(),
      lifecycle,
      logger: createLogger({ service: 'drain-test', level: 'silent' }),
    });
    const { port } = service.server.address() as AddressInfo;
    const agent = new Agent({ keepAlive: true });
    try {
      expect(await get(port, agent)).toEqual({ status: 200, connection: 'keep-alive' });
      const stopped = service.stop();
      expect(lifecycle.shuttingDown).toBe(true);
      // during the drain delay: still served, but the connection is not kept
      expect(await get(port, agent)).toEqual({ status: 200, connection: 'close' });
      await stopped;
    } finally {
      agent.destroy();
      process.removeAllListeners('SIGTERM');
      process.removeAllListeners('SIGINT');
    }
  });
});
