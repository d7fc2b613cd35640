// The gateway probe: one node:http server, run in a pod of the cluster suites (see
// gateway-probe.ts), that plays both parts of an external-auth Ingress so a test can see what the
// ingress controller sends to each and steer what comes back.
//
// * `/verify…` is the auth endpoint. It answers as the `x-probe-verify` request header says
//   (base64url JSON `{status, headers: [[name, value], …], body, delayMs, bigHeader}`; bigHeader:
//   the length of an extra `x-probe-big` header), by default 200 with
//   X-User-* identity headers. The client's headers reach it (forward auth passes them on).
// * Any path ending in `/_log` answers the requests recorded for `?id=<x-probe-id>`, both legs.
// * Anything else is the backend: it answers 200 with the request it received and the `/verify`
//   requests recorded under the same `x-probe-id`; `x-probe-backend: reset` destroys the socket.
//
// Every request is recorded: leg, method, raw target, raw headers, body length, peer.
import { createServer } from 'node:http';

const records = [];
const DEFAULT_VERIFY = {
  status: 200,
  headers: [
    ['X-User-Id', 'probe-user'],
    ['X-User-Email', 'probe@example.com'],
    ['X-User-Role', 'user'],
    ['X-Session-Id', '00000000-0000-4000-8000-000000000000'],
  ],
  body: '',
};

function record(leg, req, bodyLength) {
  const entry = {
    leg,
    probeId: String(req.headers['x-probe-id'] ?? ''),
    method: req.method,
    url: req.url,
    rawHeaders: req.rawHeaders,
    bodyLength,
    peer: `${req.socket.remoteAddress}:${req.socket.remotePort}`,
  };
  records.push(entry);
  if (records.length > 5000) records.splice(0, 1000);
  return entry;
}

function json(res, status, value) {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const server = createServer((req, res) => {
  let bodyLength = 0;
  req.on('data', (chunk) => {
    bodyLength += chunk.length;
  });
  req.on('end', () => {
    const path = (req.url ?? '').split('?')[0];
    if (path.startsWith('/verify')) {
      record('verify', req, bodyLength);
      const directive = req.headers['x-probe-verify'];
      const answer =
        typeof directive === 'string'
          ? JSON.parse(Buffer.from(directive, 'base64url').toString('utf8'))
          : DEFAULT_VERIFY;
      setTimeout(() => {
        const headers = [...(answer.headers ?? [])].flat();
        if (answer.bigHeader) headers.push('x-probe-big', 'a'.repeat(answer.bigHeader));
        const body = answer.body ?? '';
        res.writeHead(answer.status, [
          ...headers,
          'content-length',
          String(Buffer.byteLength(body)),
        ]);
        res.end(body);
      }, answer.delayMs ?? 0);
      return;
    }
    if (path.endsWith('/_log')) {
      const id = new URL(req.url ?? '/', 'http://probe').searchParams.get('id');
      json(
        res,
        200,
        records.filter((r) => r.probeId === id),
      );
      return;
    }
    const entry = record('backend', req, bodyLength);
    if (req.headers['x-probe-backend'] === 'reset') {
      req.socket.destroy();
      return;
    }
    json(res, 200, {
      request: entry,
      verify: entry.probeId
        ? records.filter((r) => r.leg === 'verify' && r.probeId === entry.probeId)
        : [],
    });
  });
});
server.headersTimeout = 120_000;
server.requestTimeout = 0;
server.listen(8080, () => console.log('gateway probe listening on 8080'));
process.on('SIGTERM', () => process.exit(0));
