import { setTimeout as sleep } from 'node:timers/promises';
import type { Send } from '../../e2e/support/gateway-client.js';
import { type Kube, podIsReady } from './kube.js';
import type { SteadyLoad } from './steady-load.js';

/** When a deleted pod was replaced, in milliseconds since the deletion. */
export interface Replacement {
  /** The pod that was deleted. */
  readonly deleted: string;
  /** The replacement that became Ready (the same name for a StatefulSet's pod). */
  readonly replacement: string;
  /** Until the old pod object was gone (preStop, drain, exit). */
  readonly goneMs: number;
  /** Until the replacement was Ready (and so back in its Services' endpoints). */
  readonly readyMs: number;
}

/**
 * Deletes `pod` (gracefully, as a node drain or an eviction does) and waits, with a deadline,
 * until it is gone and `replicas` pods matching `selector`, none of them the deleted one, are
 * Ready. Polls the API server every 250 ms: the times are upper bounds within that much. Marks
 * `<label> deleted`, `<label> gone` and `<label> ready` on the load.
 */
export async function deleteAndAwaitReplacement(
  kube: Kube,
  load: SteadyLoad,
  options: {
    readonly label: string;
    readonly pod: string;
    readonly selector: string;
    readonly replicas: number;
    readonly timeoutMs?: number;
  },
): Promise<Replacement> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const { uid } = (await kube.pod(options.pod)).metadata;
  await kube.run(['delete', 'pod', options.pod, '--wait=false']);
  const started = performance.now();
  load.mark(`${options.label} deleted`);
  let goneMs: number | undefined;
  let readyMs: number | undefined;
  let replacement = '';
  while (goneMs === undefined || readyMs === undefined) {
    const elapsed = performance.now() - started;
    if (elapsed > timeoutMs) {
      throw new Error(
        `${options.label}: ${options.pod} not replaced after ${timeoutMs} ms (gone: ${goneMs ?? 'no'}, ready: ${readyMs ?? 'no'})`,
      );
    }
    const pods = await kube.pods(options.selector);
    const others = pods.filter((p) => p.metadata.uid !== uid);
    if (goneMs === undefined && others.length === pods.length) {
      goneMs = Math.round(elapsed);
      load.mark(`${options.label} gone`);
    }
    const ready = others.filter(podIsReady);
    if (readyMs === undefined && ready.length >= options.replicas) {
      readyMs = Math.round(elapsed);
      replacement = ready
        .map((p) => p.metadata.name)
        .sort()
        .join(',');
      load.mark(`${options.label} ready`);
    }
    await sleep(250);
  }
  return { deleted: options.pod, replacement, goneMs, readyMs };
}

/**
 * Scales Deployments and waits, with a deadline, until each has exactly `replicas` pods, all
 * Ready: scaling down waits for the removed pods to be gone, not only for the Deployment's count.
 */
export async function scaleAndSettle(
  kube: Kube,
  deployments: readonly string[],
  replicas: number,
  timeoutMs = 180_000,
): Promise<void> {
  await kube.run(['scale', ...deployments.map((d) => `deployment/${d}`), `--replicas=${replicas}`]);
  const deadline = performance.now() + timeoutMs;
  for (const deployment of deployments) {
    const selector = `app.kubernetes.io/name=${deployment},app.kubernetes.io/component=server`;
    for (;;) {
      const pods = await kube.pods(selector);
      if (pods.length === replicas && pods.every(podIsReady)) break;
      if (performance.now() > deadline) {
        throw new Error(
          `${deployment} did not settle at ${replicas} Ready pods in ${timeoutMs} ms: ${pods
            .map((p) => `${p.metadata.name}${podIsReady(p) ? '' : ' (not ready)'}`)
            .join(', ')}`,
        );
      }
      await sleep(250);
    }
  }
}

/** The API process's own counters, read inside its pod (`kubectl exec`, its metrics port). */
export async function apiMetrics(kube: Kube): Promise<string> {
  return kube.exec(
    'deploy/api',
    [
      'node',
      '-e',
      "fetch('http://127.0.0.1:9464/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))",
    ],
    { container: 'api' },
  );
}

/** The API's queries on `shard`'s replica so far (replay-position checks excluded). */
export async function replicaReads(kube: Kube, shard: string): Promise<number> {
  let total = 0;
  for (const line of (await apiMetrics(kube)).split('\n')) {
    if (!line.startsWith('db_query_duration_seconds_count{')) continue;
    if (!line.includes(`shard="${shard}"`) || !line.includes('role="replica"')) continue;
    if (line.includes('operation="replayPosition"')) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/**
 * Waits, with a deadline, until the gateway routes only to live pods again: `consecutive`
 * requests in a row (`GET /api/me` and the JWKS, alternately) each answered 200 within a few
 * seconds. After pods went away, a gateway that still lists one of them answers 502 or hangs
 * for some of the requests; a later suite must not pay for that.
 */
export async function awaitSteadyGateway(
  send: Send,
  token: string,
  { consecutive = 20, timeoutMs = 120_000 } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let streak = 0;
  let last = '';
  for (let i = 0; streak < consecutive; i++) {
    if (performance.now() > deadline) {
      throw new Error(
        `the gateway did not answer ${consecutive} requests in a row within ${timeoutMs} ms; last: ${last}`,
      );
    }
    const path = i % 2 === 0 ? '/api/me' : '/.well-known/jwks.json';
    try {
      const res = await send('GET', path, { token, timeoutMs: 3000 });
      last = `${path} ${res.status}`;
      streak = res.status === 200 ? streak + 1 : 0;
    } catch (error) {
      last = `${path} ${(error as Error).message}`;
      streak = 0;
    }
  }
}
