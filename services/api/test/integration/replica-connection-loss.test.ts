import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  call,
  freshUserId,
  startApiServer,
  type TestApiServer,
  testApiEnv,
  tokenFor,
} from '../support/api-server.js';

// A standby that goes away does not always refuse connections: a deleted pod's address stops
// answering (EHOSTUNREACH, timeouts) and a dying server drops sockets mid-handshake, which `pg`
// reports without an error code. Each is "the replica is unavailable": the read must fall back to
// the primary, never answer 500. This listener plays the dying standby, with real sockets.

/** A TCP server whose every connection is handled by `onConnection`. */
async function listen(onConnection: (socket: Socket) => void): Promise<Server> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const port = (server: Server) => (server.address() as AddressInfo).port;
const replicaUrl = (server: Server) =>
  `postgresql://shardgate:unused@127.0.0.1:${port(server)}/shardgate`;

const order = { items: [{ sku: 'LOSS-1', quantity: 1, unitPriceCents: 700 }], currency: 'EUR' };
const stack = inject('stack');

describe.each([
  // closes each connection as soon as it opens: "Connection terminated unexpectedly"
  ['drops each connection at once', (socket: Socket) => socket.destroy()],
  // reads the startup message, then hangs up without a word
  [
    'hangs up after the startup message',
    (socket: Socket) => socket.once('data', () => socket.end()),
  ],
])('a read while the standby %s', (_what, behaviour) => {
  let standby: Server;
  let api: TestApiServer;
  let connections = 0;
  beforeAll(async () => {
    standby = await listen((socket) => {
      connections++;
      behaviour(socket);
    });
    api = await startApiServer(
      testApiEnv(stack, { SHARD_0_REPLICA_URLS: replicaUrl(standby), REPLICA_RETRY_MS: '60000' }),
    );
  });
  afterAll(async () => {
    await api?.close();
    await new Promise((resolve) => standby?.close(resolve));
  });

  it('is served by the primary, and the standby is skipped afterwards', async () => {
    const token = await tokenFor(freshUserId('even'), stack);
    const placed = await call(api.url, 'POST', '/api/orders', { token, json: order });
    expect(placed.status).toBe(201);

    const first = await call(api.url, 'GET', '/api/orders', { token });
    expect(first.status).toBe(200);
    expect(first.body.items.map((o: { id: string }) => o.id)).toEqual([placed.body.id]);
    expect(connections).toBeGreaterThan(0);
    const triedBefore = connections;
    const single = await call(api.url, 'GET', `/api/orders/${placed.body.id}`, { token });
    expect(single.status).toBe(200);
    expect(single.body.id).toBe(placed.body.id);
    // REPLICA_RETRY_MS is a minute: the failed standby is not tried again meanwhile
    expect(connections).toBe(triedBefore);
  });
});
