import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrometheusTarget, prometheusApi } from '../e2e/support/prometheus-api.js';
import { alertRules } from '../support/alert-rules.js';
import { eventually } from '../support/wait.js';
import { Kube, type Pod, podIsReady } from './support/kube.js';
import { type PortForward, portForward } from './support/port-forward.js';

/**
 * The Prometheus Operator of k8s/dev/prometheus-operator.k8s.yaml, built from its Go module and
 * running in `monitoring`: its Prometheus must have found every Ready pod the PodMonitors of
 * monitoring.k8s.yaml select (auth, api, Traefik) and scrape it, and must have loaded the alerts of
 * the PrometheusRule. Nothing here is configured by hand: what the operator generated from our
 * objects is what is checked, through a port-forward of the Service it made.
 */
const kube = new Kube();
const MONITORING = 'monitoring';
/** The operator names its StatefulSet `prometheus-<name>` and its Service `prometheus-operated`. */
const STATEFUL_SET = 'prometheus-shardgate';
const SERVICE = 'prometheus-operated';
const MONITORS = ['auth', 'api', 'traefik'] as const;

/**
 * Ten scrape intervals (30 s): a changed PodMonitor reaches the running Prometheus only when the
 * kubelet refreshes the configuration Secret's volume and the reloader sees it (108 s measured
 * after a change on 2026-12-04), then the target needs a scrape, however loaded the two cores.
 */
const SCRAPES = 10 * 30_000;

interface PodMonitorObject {
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: {
    readonly namespaceSelector?: { readonly matchNames?: readonly string[] };
    readonly selector: { readonly matchLabels: Record<string, string> };
    readonly podMetricsEndpoints: ReadonlyArray<{ readonly port: string; readonly path: string }>;
  };
}

/** A pod as far as its scrape URL goes. */
interface PodWithPorts extends Pod {
  readonly metadata: Pod['metadata'] & { readonly namespace: string };
  readonly spec: {
    readonly containers: ReadonlyArray<{
      readonly ports?: ReadonlyArray<{ readonly name?: string; readonly containerPort: number }>;
    }>;
  };
}

/** A Ready pod a PodMonitor selects, and the URL its endpoint makes of it. */
interface SelectedPod {
  readonly name: string;
  readonly namespace: string;
  readonly scrapeUrl: string;
}

let forward: PortForward | undefined;
const prometheus = () => {
  if (!forward) throw new Error('no port-forward to the operator’s Prometheus');
  return prometheusApi(forward.url);
};

beforeAll(async () => {
  await kube.run([
    '-n',
    MONITORING,
    'rollout',
    'status',
    'deployment/prometheus-operator',
    '--timeout=180s',
  ]);
  // The operator makes the StatefulSet some moments after its Prometheus object is applied.
  await eventually(
    async () => {
      await kube.run(['-n', MONITORING, 'get', 'statefulset', STATEFUL_SET]);
      return true;
    },
    120_000,
    `the operator to create statefulset/${STATEFUL_SET}`,
  );
  await kube.run([
    '-n',
    MONITORING,
    'rollout',
    'status',
    `statefulset/${STATEFUL_SET}`,
    '--timeout=300s',
  ]);
  forward = await portForward(kube.info.kubectl, kube.info.kubeconfig, MONITORING, SERVICE, 9090);
}, 660_000);

afterAll(async () => {
  await forward?.close();
});

/**
 * The Ready pods a PodMonitor selects, in the namespace it names (or its own), each with the URL
 * its endpoint resolves to: the pod's address, the container port of that name, the path.
 */
async function selectedPods(monitor: PodMonitorObject): Promise<SelectedPod[]> {
  const namespace = monitor.spec.namespaceSelector?.matchNames?.[0] ?? monitor.metadata.namespace;
  const selector = Object.entries(monitor.spec.selector.matchLabels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const [endpoint] = monitor.spec.podMetricsEndpoints;
  if (!endpoint) throw new Error(`podmonitor/${monitor.metadata.name} has no endpoint`);
  const { items } = await kube.json<{ items: PodWithPorts[] }>([
    '-n',
    namespace,
    'get',
    'pods',
    '-l',
    selector,
  ]);
  return items.filter(podIsReady).map((pod) => {
    const port = pod.spec.containers
      .flatMap((c) => c.ports ?? [])
      .find((p) => p.name === endpoint.port)?.containerPort;
    expect(port, `${pod.metadata.name}: container port ${endpoint.port}`).toBeDefined();
    return {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      scrapeUrl: `http://${pod.status.podIP}:${port}${endpoint.path}`,
    };
  });
}

describe('the Prometheus Operator in the cluster', () => {
  it('reports its Prometheus Available and reconciled', async () => {
    await eventually(
      async () => {
        const object = await kube.json<{
          status?: { conditions?: { type: string; status: string }[] };
        }>(['-n', MONITORING, 'get', 'prometheus', 'shardgate']);
        const conditions = object.status?.conditions ?? [];
        return ['Available', 'Reconciled'].every((type) =>
          conditions.some((c) => c.type === type && c.status === 'True'),
        );
      },
      120_000,
      'prometheus/shardgate to be Available and Reconciled',
    );
  }, 180_000);

  it('has an up target for every Ready pod its PodMonitors select: auth, api, Traefik', async () => {
    const wanted = new Map<string, SelectedPod[]>();
    for (const name of MONITORS) {
      const monitor = await kube.json<PodMonitorObject>(['get', 'podmonitor', name]);
      const pods = await selectedPods(monitor);
      expect(pods.length, `Ready pods selected by podmonitor/${name}`).toBeGreaterThan(0);
      wanted.set(name, pods);
    }
    // Traefik's on its metrics port 9100 in its own namespace, the services' on 9464
    expect(wanted.get('traefik')?.every((p) => p.namespace === 'traefik')).toBe(true);
    for (const [name, pods] of wanted) {
      for (const pod of pods) {
        expect(pod.scrapeUrl).toMatch(name === 'traefik' ? /:9100\/metrics$/ : /:9464\/metrics$/);
      }
    }
    let targets: PrometheusTarget[] = [];
    // The scrape URL too, not only the pod: a configuration the operator has not yet regenerated
    // (the reloader picks it up a minute or so after a change) must not pass for the new one.
    const missing = () =>
      [...wanted].flatMap(([name, pods]) =>
        pods
          .filter(
            (pod) =>
              !targets.some(
                (t) =>
                  t.scrapePool === `podMonitor/shardgate/${name}/0` &&
                  t.labels.pod === pod.name &&
                  t.labels.namespace === pod.namespace &&
                  t.labels.service === name &&
                  t.scrapeUrl === pod.scrapeUrl &&
                  t.health === 'up',
              ),
          )
          .map((pod) => `${name}/${pod.name} (${pod.scrapeUrl})`),
      );
    await eventually(
      async () => {
        targets = await prometheus().activeTargets();
        return missing().length === 0;
      },
      SCRAPES,
      'up targets from the PodMonitors',
    ).catch((error: Error) => {
      const seen = targets
        .map((t) => `${t.labels.pod} ${t.scrapeUrl} ${t.health} ${t.lastError}`)
        .join('; ');
      throw new Error(`${error.message}: missing ${missing().join(', ')}; targets: ${seen}`);
    });
    // and nothing but those: the selectors reach no other pod (databases, migration Jobs)
    const all = [...wanted.values()].flat().map((p) => p.name);
    expect(
      targets.filter((t) => !all.includes(t.labels.pod ?? '')).map((t) => t.labels.pod),
    ).toEqual([]);
  }, 420_000);

  it('loaded every alert of the PrometheusRule, scoped to shardgate', async () => {
    const expected = alertRules().map((rule) => rule.alert);
    let loaded: { name: string; query: string; health: string }[] = [];
    await eventually(
      async () => {
        const response = await fetch(`${forward?.url}/api/v1/rules?type=alert`);
        const body = (await response.json()) as {
          data: { groups: { name: string; file: string; rules: typeof loaded }[] };
        };
        loaded = body.data.groups
          .filter((g) => g.name === 'shardgate' && g.file.includes('shardgate-shardgate'))
          .flatMap((g) => g.rules);
        return expected.every((name) => loaded.some((r) => r.name === name));
      },
      120_000,
      'the alerts of prometheusrule/shardgate',
    );
    expect(loaded.map((r) => r.name).sort()).toEqual([...expected].sort());
    for (const rule of loaded) {
      expect(rule.query, rule.name).toContain('namespace="shardgate"');
      // `unknown` until its first evaluation, never `err`
      expect(rule.health, rule.name).not.toBe('err');
    }
  }, 180_000);

  it('sees every service pod scraped: ShardgateMetricsTargetDown stays inactive', async () => {
    // The alert's own expression, read by the operator's Prometheus: every auth and api target up.
    // Earlier suites delete and scale those pods: a pod still terminating is a target that is
    // down until the operator's discovery drops it, so wait for the steady state (the alert's
    // `for` is longer than that wait, so it never fires meanwhile).
    let down: number | undefined;
    let up: number | undefined;
    await eventually(
      async () => {
        down = await prometheus().queryNumber(
          'count(up{namespace="shardgate", service=~"auth|api"} == 0)',
        );
        up = await prometheus().queryNumber(
          'count(up{namespace="shardgate", service=~"auth|api"} == 1)',
        );
        return down === undefined && (up ?? 0) >= 2;
      },
      120_000,
      'every auth and api target up',
    );
    expect(down).toBeUndefined();
    expect(up).toBeGreaterThanOrEqual(2);
    expect(
      await prometheus().queryNumber(
        'count(ALERTS{alertname="ShardgateMetricsTargetDown", alertstate="firing"})',
      ),
    ).toBeUndefined();
  }, 180_000);
});
