import { createServer, type Socket } from 'node:net';

/** A running {@link startSilentTcpServer}. */
export interface SilentTcpServer {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: () => number;
  /** Connections still open (a client that gave up has closed its end). */
  readonly open: () => number;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/**
 * A real TCP server on loopback that accepts every connection and never sends a byte: an SMTP
 * server that hangs before its greeting, as one behind a broken load balancer does. Not a mock:
 * the client's real socket, timeouts and aborts are what a test sees.
 */
export async function startSilentTcpServer(): Promise<SilentTcpServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // reads and drops whatever comes, so the client's writes never block on a full buffer
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    accepted: () => accepted,
    open: () => sockets.size,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
