import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { BASELINE_SECURITY_HEADERS, NO_STORE } from './http/security-headers.js';

/** Only Prometheus reads these answers, but they carry the same headers as every other. */
const HEADERS = { ...BASELINE_SECURITY_HEADERS, 'Cache-Control': NO_STORE };

/**
 * Serves `registry` on `GET /metrics` from its own port, so that the ingress never routes it and a
 * NetworkPolicy can open it to Prometheus alone. Every other path answers 404. Every answer
 * carries the baseline security headers and `Cache-Control: no-store` (never HSTS: plain HTTP).
 */
export async function startMetricsServer(
  registry: Registry,
  port: number,
  host: string,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, HEADERS).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { ...HEADERS, 'Content-Type': registry.contentType }).end(body),
      () => res.writeHead(500, HEADERS).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/** The port a server listens on (useful with port 0 in tests). */
export function boundPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}
