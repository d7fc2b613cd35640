/**
 * The two trivial servers of the gateway benchmark, each run as its own process (like the real
 * services, so that none shares an event loop with the benchmark driver):
 *
 *   node --import tsx bench/lib/trivial-server.ts verify  <port>
 *   node --import tsx bench/lib/trivial-server.ts backend <port>
 *
 * `verify`: a Koa app whose only middleware answers 200 with the four identity headers the real
 * `/verify` sends: the baseline the auth service is compared with (same framework, no token work).
 * `backend`: plain node:http answering 200 "ok" when the gateway passed an `X-User-Id`, 500 when
 * not, so that a broken auth chain shows up as non-2xx answers in wrk's output.
 */
import { createServer } from 'node:http';
import Koa from 'koa';

const [mode, portText] = process.argv.slice(2);
const port = Number(portText);
if ((mode !== 'verify' && mode !== 'backend') || !Number.isInteger(port) || port <= 0) {
  console.error('usage: trivial-server.ts verify|backend <port>');
  process.exit(2);
}

function verifyApp(): Koa {
  const app = new Koa();
  app.use((ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-User-Id', '42');
    ctx.set('X-User-Email', 'bench-user@example.com');
    ctx.set('X-User-Role', 'user');
    ctx.set('X-Session-Id', '0b7c9f4e-2f43-4a55-9d1e-5e7d0c7b8a11');
    ctx.status = 200;
    ctx.body = '';
  });
  return app;
}

const server =
  mode === 'verify'
    ? createServer(verifyApp().callback())
    : createServer((req, res) => {
        const ok = typeof req.headers['x-user-id'] === 'string';
        res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain', 'content-length': '3' });
        res.end(ok ? 'ok\n' : 'no\n');
      });
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(`trivial ${mode} listening on ${port}`));

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
