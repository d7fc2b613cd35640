import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kube, uniqueName } from './support/kube.js';
import { restrictedPod } from './support/pods.js';

/**
 * The NetworkPolicies of k8s/dev/network-policies.k8s.yaml are enforced (kube-router on the local
 * node): a pod of shardgate's namespace without the allowed labels cannot open a TCP connection to
 * Postgres, Redis or the services, while the pods the policies name can, each only to its own
 * databases. Connections are tried from inside the pods (`kubectl exec`, Node's `net.connect`);
 * the names resolve (so the pod has a network and DNS) and the attempt ends in a refusal or a
 * timeout.
 */
const kube = new Kube();

/** How long one connection attempt may take before it counts as dropped. */
const CONNECT_TIMEOUT_MS = 4000;

/** Tries every `host:port` at once from inside `target`; the outcome of each. */
async function connectFrom(target: string, container: string, addresses: readonly string[]) {
  const script = `
const net = require('node:net');
const dns = require('node:dns');
function attempt(hostPort) {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    dns.lookup(host, (error, address) => {
      if (error) return resolve([hostPort, 'lookup ' + error.code]);
      const socket = net.connect({ host: address, port: Number(port) });
      const timer = setTimeout(() => { socket.destroy(); resolve([hostPort, 'timeout']); }, ${CONNECT_TIMEOUT_MS});
      socket.on('connect', () => { clearTimeout(timer); socket.destroy(); resolve([hostPort, 'connected']); });
      socket.on('error', (e) => { clearTimeout(timer); resolve([hostPort, e.code === 'ECONNREFUSED' ? 'refused' : e.code]); });
    });
  });
}
Promise.all(process.argv.slice(1).map(attempt)).then((r) => console.log(JSON.stringify(Object.fromEntries(r))));
`;
  const out = await kube.exec(target, ['node', '-e', script, ...addresses], { container });
  return JSON.parse(out) as Record<string, string>;
}

const BLOCKED = ['refused', 'timeout', 'EHOSTUNREACH'];

describe('NetworkPolicies are enforced', () => {
  const name = uniqueName('netpol-probe');

  beforeAll(async () => {
    await kube.run(['apply', '-f', '-'], {
      input: JSON.stringify(
        restrictedPod({
          name,
          namespace: kube.namespace,
          labels: { 'app.kubernetes.io/name': 'netpol-probe', 'shardgate.dev/cluster-test': name },
        }),
      ),
    });
    await kube.run(['wait', '--for=condition=Ready', `pod/${name}`, '--timeout=90s']);
  });

  afterAll(async () => {
    await kube.run(['delete', 'pod', name, '--ignore-not-found', '--wait=true', '--timeout=60s']);
  });

  it('a pod without the allowed labels reaches none of Postgres, Redis, auth or the API', async () => {
    const outcomes = await connectFrom(name, 'main', [
      'postgres-shard0-rw:5432',
      'postgres-shard1-ro:5432',
      'postgres-auth-rw:5432',
      'redis:6379',
      'auth:8080',
      'api:8080',
    ]);
    for (const [address, outcome] of Object.entries(outcomes)) {
      expect(BLOCKED, `${address}: ${outcome}`).toContain(outcome);
    }
    // and it is not cut off from everything: the cluster's DNS answered it (no "lookup" outcome)
    expect(Object.values(outcomes).filter((o) => o.startsWith('lookup'))).toEqual([]);
  });

  it('the API pod reaches its shards and Redis, not the auth database', async () => {
    const outcomes = await connectFrom('deploy/api', 'api', [
      'postgres-shard0-rw:5432',
      'postgres-shard0-ro:5432',
      'postgres-shard1-rw:5432',
      'redis:6379',
      'auth:8080',
      'postgres-auth-rw:5432',
    ]);
    expect(outcomes).toMatchObject({
      'postgres-shard0-rw:5432': 'connected',
      'postgres-shard0-ro:5432': 'connected',
      'postgres-shard1-rw:5432': 'connected',
      'redis:6379': 'connected',
      'auth:8080': 'connected',
    });
    expect(BLOCKED).toContain(outcomes['postgres-auth-rw:5432']);
  });

  it('the auth pod reaches its database and Redis, not the shards nor the API', async () => {
    const outcomes = await connectFrom('deploy/auth', 'auth', [
      'postgres-auth-rw:5432',
      'postgres-auth-ro:5432',
      'redis:6379',
      'postgres-shard0-rw:5432',
      'api:8080',
    ]);
    expect(outcomes).toMatchObject({
      'postgres-auth-rw:5432': 'connected',
      'postgres-auth-ro:5432': 'connected',
      'redis:6379': 'connected',
    });
    expect(BLOCKED).toContain(outcomes['postgres-shard0-rw:5432']);
    expect(BLOCKED).toContain(outcomes['api:8080']);
  });
});
