import { Agent, request } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
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

/** A service on an ephemeral port with a 300 ms drain delay, answering 200 `ok`. */
function startDrainTestService(lifecycle: Lifecycle, closeListener: 'after-drain' | 'at-signal') {
  return runService({
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
      SHUTDOWN_DRAIN_DELAY_MS: 300,
      SHUTDOWN_CLOSE_LISTENER: closeListener,
      SHUTDOWN_TIMEOUT_MS: 1_000,
    },
    registry: new Registry(),
    lifecycle,
    logger: createLogger({ service: 'drain-test', level: 'silent' }),
  });
}

/** Whether a new TCP connection to `port` is accepted or refused. */
function connectOutcome(port: number): Promise<'accepted' | 'refused'> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNREFUSED' ? resolve('refused') : reject(error),
    );
  });
}

describe('runService drain', () => {
  it('answers with Connection: close once shutdown begins, even when the handler clears headers', async () => {
    const lifecycle = new Lifecycle();
    const service = await startDrainTestService(lifecycle, 'after-drain');
    const { port } = service.server.address() as AddressInfo;
    const agent = new Agent({ keepAlive: true });
    try {
      expect(await get(port, agent)).toEqual({ status: 200, connection: 'keep-alive' });
      const stopped = service.stop();
      expect(lifecycle.shuttingDown).toBe(true);
      // during the drain delay: still served, but the connection is not kept; the listener is open
      expect(await get(port, agent)).toEqual({ status: 200, connection: 'close' });
      expect(await connectOutcome(port)).toBe('accepted');
      await stopped;
    } finally {
      agent.destroy();
      process.removeAllListeners('SIGTERM');
      process.removeAllListeners('SIGINT');
    }
  });

  it('at-signal: refuses new connections at once and still serves the ones it has', async () => {
    const lifecycle = new Lifecycle();
    const service = await startDrainTestService(lifecycle, 'at-signal');
    const { port } = service.server.address() as AddressInfo;
    const agent = new Agent({ keepAlive: true });
    try {
      expect(await get(port, agent)).toEqual({ status: 200, connection: 'keep-alive' });
      const stopped = service.stop();
      // a proxy's new connection is refused (it retries elsewhere; nothing was sent)...
      expect(await connectOutcome(port)).toBe('refused');
      // ...while the kept-alive connection it already has is served, and then closed
      expect(await get(port, agent)).toEqual({ status: 200, connection: 'close' });
      await stopped;
    } finally {
      agent.destroy();
      process.removeAllListeners('SIGTERM');
      process.removeAllListeners('SIGINT');
    }
  });
});
