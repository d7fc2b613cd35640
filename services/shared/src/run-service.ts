import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import type { ServiceSettings } from './config.js';
import type { Lifecycle } from './lifecycle.js';
import type { Logger } from './logger.js';
import { startMetricsServer } from './metrics-server.js';

/** Options of {@link runService}. */
export interface RunServiceOptions {
  readonly name: string;
  readonly handler: RequestListener;
  /** HOST, PORT, METRICS_PORT and the shutdown timings, as parsed by each service's config. */
  readonly settings: Pick<
    ServiceSettings,
    | 'HOST'
    | 'PORT'
    | 'METRICS_PORT'
    | 'SHUTDOWN_DRAIN_DELAY_MS'
    | 'SHUTDOWN_CLOSE_LISTENER'
    | 'SHUTDOWN_TIMEOUT_MS'
  >;
  readonly registry: Registry;
  readonly lifecycle: Lifecycle;
  readonly logger: Logger;
  /** Releases the service's resources (database pools, Redis) after the last request. */
  readonly onClose?: () => Promise<void>;
}

/** A started service; `stop()` performs the same drain as SIGTERM. */
export interface RunningService {
  readonly server: Server;
  readonly metricsServer: Server;
  stop(): Promise<void>;
}

/**
 * Listens, serves metrics on their own port, and installs SIGTERM/SIGINT handling: readiness goes
 * false, requests keep being served for SHUTDOWN_DRAIN_DELAY_MS, the listener closes, in-flight requests
 * finish (up to SHUTDOWN_TIMEOUT_MS), resources are released, the process exits 0.
 *
 * From the moment shutdown begins every response carries `Connection: close` and its connection is
 * closed after it. A proxy that keeps idle keep-alive connections (nginx's upstream `keepalive`)
 * thus drops each connection to this process as soon as it uses it, instead of finding it closed
 * under its feet when the listener goes: nginx does not retry a POST whose connection failed after
 * the request was sent (`proxy_next_upstream error timeout`, ingress-nginx's default), so such a
 * race would fail client requests. Idle connections still open when the drain delay ends are then
 * closed; a proxy reaching the closed listener gets a refused connection, which it retries on
 * another endpoint. The listener closes when the drain delay ends, or at the signal with
 * `SHUTDOWN_CLOSE_LISTENER=at-signal` (for a gateway that keeps listing the process). See
 * docs/gateway.md, "Rolling restarts".
 */
export async function runService(options: RunServiceOptions): Promise<RunningService> {
  const { logger } = options;
  const { lifecycle } = options;
  const server = createServer((req, res) => {
    if (lifecycle.shuttingDown) closeAfterResponse(res);
    options.handler(req, res);
  });
  // Node's defaults close keep-alive sockets after 5 s; a proxy that keeps connections longer
  // would then race the close. Outlive nginx's default upstream keepalive_timeout (60 s).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.settings.PORT, options.settings.HOST, () => resolve());
  });
  const metricsServer = await startMetricsServer(
    options.registry,
    options.settings.METRICS_PORT,
    options.settings.HOST,
  );
  logger.info(
    { port: options.settings.PORT, metricsPort: options.settings.METRICS_PORT },
    `${options.name} listening`,
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= drain(server, metricsServer, options);
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutdown requested; draining');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return { server, metricsServer, stop };
}

/**
 * Makes `res` end its connection: `Connection: close` is set when the headers go out (a handler
 * that clears its headers, as Koa does for errors, cannot drop it), and Node closes the socket.
 */
function closeAfterResponse(res: ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<typeof writeHead>) {
    if (!this.headersSent) this.setHeader('Connection', 'close');
    return writeHead.apply(this, args);
  } as typeof writeHead;
}

async function drain(
  server: Server,
  metricsServer: Server,
  options: RunServiceOptions,
): Promise<void> {
  options.lifecycle.beginShutdown();
  // net.Server's close, not http.Server's: that one also closes the idle keep-alive connections,
  // which a proxy may be sending a request on at this very moment. It resolves once every
  // connection has ended.
  const closeListener = () =>
    new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  const atSignal = options.settings.SHUTDOWN_CLOSE_LISTENER === 'at-signal';
  // at-signal: a proxy that still lists this process gets a refused connection from now on (it
  // retries elsewhere: nothing was sent) instead of new connections that the closing listener
  // would reset with a request already in them (nginx answers 502 to such a POST)
  const early = atSignal ? closeListener() : undefined;
  await sleep(options.settings.SHUTDOWN_DRAIN_DELAY_MS);
  const closed = early ?? closeListener();
  server.closeIdleConnections();
  const timedOut = await Promise.race([
    closed.then(() => false),
    sleep(options.settings.SHUTDOWN_TIMEOUT_MS).then(() => true),
  ]);
  if (timedOut) {
    options.logger.warn(
      'in-flight requests outlived the shutdown timeout; closing their connections',
    );
    server.closeAllConnections();
  }
  await options.onClose?.();
  await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
  options.logger.info('stopped');
}
