import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Chart } from 'cdk8s';
import { afterAll, describe, expect, it } from 'vitest';
import { NetworkPoliciesChart } from '../../cdk8s/src/charts/network-policies-chart.js';
import {
  dev,
  type EnvironmentConfig,
  type MonitoringSettings,
  prod,
} from '../../cdk8s/src/environments.js';
import { buildApp } from '../../cdk8s/src/shardgate-app.js';
import { helmTemplate } from '../support/helm-render.js';
import {
  committedRelease,
  environmentManifests,
  NS,
  TRAEFIK_NS,
} from '../support/k8s-environment.js';
import { findObject, type K8sObject, podLabelsOf, podSpecOf } from '../support/k8s-manifests.js';

// The Prometheus Operator objects of the cdk8s app (monitoring.k8s.yaml): absent unless the
// environment switches them on; then PodMonitors that select exactly the service pods and their
// metrics port, and objects equal to what charts/shardgate-monitoring renders.

const out = mkdtempSync(join(tmpdir(), 'monitoring-synth-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The objects of every chart of the app built for `env` (synthesized in memory), by chart id. */
function build(env: EnvironmentConfig): Map<string, K8sObject[]> {
  const app = buildApp(env, join(out, env.name), committedRelease());
  return new Map(app.charts.map((c) => [c.node.id, c.toJson() as K8sObject[]]));
}

const switchedOn = (env: EnvironmentConfig): EnvironmentConfig => ({
  ...env,
  monitoring: {
    ...env.monitoring,
    prometheusOperator: true,
    resourceLabels: { release: 'kube-prometheus-stack' },
  },
});

describe('k8s/prod monitoring objects', () => {
  it('has none: the switch is off by default, so clusters without the CRDs still apply k8s/', () => {
    const { loaded } = environmentManifests('prod');
    expect(loaded.filter((l) => l.object.apiVersion.startsWith('monitoring.coreos.com'))).toEqual(
      [],
    );
    expect(loaded.some((l) => l.file === 'monitoring.k8s.yaml')).toBe(false);
  });
});

describe('k8s/dev monitoring objects', () => {
  it('are on, with the operator of prometheus-operator.k8s.yaml to read them', () => {
    const { loaded } = environmentManifests('dev');
    const operatorObjects = loaded
      .filter((l) => l.object.apiVersion.startsWith('monitoring.coreos.com'))
      .map((l) => `${l.file}: ${l.object.kind}/${l.object.metadata.name}`);
    expect(operatorObjects).toEqual([
      'monitoring.k8s.yaml: PodMonitor/auth',
      'monitoring.k8s.yaml: PodMonitor/api',
      'monitoring.k8s.yaml: PodMonitor/traefik',
      'monitoring.k8s.yaml: PrometheusRule/shardgate',
      'prometheus-operator.k8s.yaml: Prometheus/shardgate',
    ]);
  });
});

describe.each([dev, prod])('$name with monitoring.prometheusOperator', (env) => {
  const charts = build(switchedOn(env));
  const monitoring = charts.get('monitoring') ?? [];
  const all = [...charts.values()].flat();
  const monitors = monitoring.filter((o) => o.kind === 'PodMonitor');

  it('renders monitoring.k8s.yaml: a PodMonitor per service, one for Traefik, the PrometheusRule', () => {
    const off = { ...env, monitoring: { ...env.monitoring, prometheusOperator: false } };
    expect(
      build({ ...off, monitoring: { ...off.monitoring, runOperator: false } }).has('monitoring'),
    ).toBe(false);
    expect(monitoring.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'PodMonitor/auth',
      'PodMonitor/api',
      'PodMonitor/traefik',
      'PrometheusRule/shardgate',
    ]);
    for (const object of monitoring) {
      expect(object.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(object.metadata.namespace).toBe(NS);
      expect(object.metadata.labels?.release).toBe('kube-prometheus-stack');
    }
  });

  it.each(['auth', 'api'])('points the %s PodMonitor at its pods and their metrics port', (svc) => {
    const monitor = monitors.find((m) => m.metadata.name === svc);
    const deployment = findObject(all, 'Deployment', svc, NS);
    expect(monitor?.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const selector = monitor?.spec.selector.matchLabels as Record<string, string>;
    const selected = all.filter(
      (o) => podSpecOf(o) && Object.entries(selector).every(([k, v]) => podLabelsOf(o)[k] === v),
    );
    expect(selected.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([`Deployment/${svc}`]);
    const [endpoint] = monitor?.spec.podMetricsEndpoints ?? [];
    const ports = podSpecOf(deployment)?.containers.flatMap((c) => c.ports ?? []) ?? [];
    expect(ports.find((p) => p.name === endpoint.port)?.containerPort).toBe(9464);
    const annotations = deployment.spec.template.metadata.annotations;
    expect(endpoint.path).toBe(annotations['prometheus.io/path']);
    expect(String(ports.find((p) => p.name === endpoint.port)?.containerPort)).toBe(
      annotations['prometheus.io/port'],
    );
    // /metrics stays off the Service: that is why these are PodMonitors
    const service = findObject(all, 'Service', svc, NS);
    expect(service.spec.ports.map((p: { name: string }) => p.name)).toEqual(['http']);
  });

  it('points the traefik PodMonitor at the Traefik pods of their namespace and their metrics port', () => {
    const monitor = monitors.find((m) => m.metadata.name === 'traefik');
    const deployment = findObject(all, 'Deployment', 'traefik', TRAEFIK_NS);
    expect(monitor?.spec.namespaceSelector).toEqual({ matchNames: [TRAEFIK_NS] });
    expect(monitor?.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const [endpoint] = monitor?.spec.podMetricsEndpoints ?? [];
    const ports = podSpecOf(deployment)?.containers.flatMap((c) => c.ports ?? []) ?? [];
    const annotations = deployment.spec.template.metadata.annotations;
    expect(String(ports.find((p) => p.name === endpoint.port)?.containerPort)).toBe(
      annotations['prometheus.io/port'],
    );
    expect(endpoint.path).toBe(annotations['prometheus.io/path']);
  });

  it('renders the same objects as charts/shardgate-monitoring', () => {
    const fromHelm = helmTemplate('shardgate', 'charts/shardgate-monitoring', [
      '-n',
      NS,
      '--set',
      'enabled=true',
      '--set',
      'traefik.enabled=true',
      '--set',
      'extraLabels.release=kube-prometheus-stack',
    ]);
    const specs = (objects: K8sObject[]) =>
      objects.map((o) => ({ kind: o.kind, spec: o.spec, release: o.metadata.labels?.release }));
    expect(specs(monitoring)).toEqual(specs(fromHelm));
  });
});

describe('the monitoring namespace in the NetworkPolicy', () => {
  it('refuses an empty namespace or pod selector, which would admit everything', () => {
    const invalid: MonitoringSettings[] = [
      { namespaceLabels: {} },
      { namespaceLabels: { a: 'b' }, podLabels: {} },
    ];
    for (const monitoring of invalid) {
      expect(
        () => new NetworkPoliciesChart(new App(), 'np', { env: { ...prod, monitoring } }),
      ).toThrow(/must not be empty/);
    }
  });

  it('admits no other namespace when none is configured', () => {
    const chart: Chart = new NetworkPoliciesChart(new App(), 'np', {
      env: { ...prod, monitoring: undefined },
    });
    const policy = (chart.toJson() as K8sObject[]).find(
      (o) => o.metadata.name === 'metrics-from-prometheus',
    );
    expect(policy?.spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } },
    ]);
  });
});
