import { connect, createServer, type Server, type Socket } from 'node:net';

/** A local TCP port whose connections reach a target from a chosen source address. */
export interface SourceAddressProxy {
  /** `http://127.0.0.1:<port>`: what a client that cannot pick its source address is given. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 and relays every connection, byte for byte, to `target` (an http URL) from
 * `sourceAddress` (a loopback address, `newClientAddress()` of the e2e suite). The gateway sees
 * that address as the client's, so the per-address limits a fuzzer trips are its own and not
 * those of the suites sharing the test stack from 127.0.0.1.
 */
export async function sourceAddressProxy(
  target: string,
  sourceAddress: string,
): Promise<SourceAddressProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: hostname, port: Number(port), localAddress: sourceAddress });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    }
    client.pipe(upstream).pipe(client);
    // either side closing ends both: no half-open pair outlives a request
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}
