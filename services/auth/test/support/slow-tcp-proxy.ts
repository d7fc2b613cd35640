import { connect, createServer, type Socket } from 'node:net';

/** A running {@link startSlowTcpProxy}. */
export interface SlowTcpProxy {
  readonly port: number;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/**
 * A TCP proxy on loopback to 127.0.0.1:`targetPort` that holds every chunk the server sends for
 * `delayMs` before passing it on: a slow SMTP server (each reply late) made of a real one, so that
 * sends overlap the way they do across a network.
 */
export async function startSlowTcpProxy(
  targetPort: number,
  delayMs: number,
): Promise<SlowTcpProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.once('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => setTimeout(() => client.write(chunk), delayMs));
    upstream.once('end', () => setTimeout(() => client.end(), delayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
