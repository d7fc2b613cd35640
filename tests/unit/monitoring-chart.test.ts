import { describe, expect, it } from 'vitest';
import { ruleGroups } from '../support/alert-rules.js';
import { helmTemplate } from '../support/helm-render.js';
import { environmentManifests, NS } from '../support/k8s-environment.js';
import { findObject, type K8sObject, podLabelsOf, podSpecOf } from '../support/k8s-manifests.js';

// charts/shardgate-monitoring: nothing unless switched on; then a PodMonitor per service whose
// selector and port are those of the service's pods in k8s/, and the PrometheusRule of the one
// rules file with the runbook base URL in front of each link.

const CHART = 'charts/shardgate-monitoring';
const render = (...args: string[]) => helmTemplate('shardgate', CHART, ['-n', NS, ...args]);
const operator = () => render('-f', `${CHART}/ci/operator-values.yaml`);
const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

describe('charts/shardgate-monitoring', () => {
  it('renders nothing with its defaults (clusters without the CRDs still install it)', () => {
    expect(render()).toEqual([]);
    expect(render('--set', 'rules.enabled=true')).toEqual([]);
  });

  it('renders a PodMonitor per service and one PrometheusRule when enabled', () => {
    const objects = operator();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'PodMonitor/shardgate-shardgate-monitoring-auth',
      'PodMonitor/shardgate-shardgate-monitoring-api',
      'PodMonitor/shardgate-shardgate-monitoring-traefik',
      'PrometheusRule/shardgate-shardgate-monitoring',
    ]);
    for (const object of objects) {
      expect(object.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(object.metadata.labels?.release, 'the label kube-prometheus-stack selects').toBe(
        'kube-prometheus-stack',
      );
    }
    const withoutRules = render('--set', 'enabled=true', '--set', 'rules.enabled=false');
    expect(withoutRules.map((o) => o.kind)).toEqual(['PodMonitor', 'PodMonitor']);
  });

  it('monitors Traefik only when asked, naming its namespace', () => {
    const traefik = ofKind(operator(), 'PodMonitor').find((m) =>
      m.metadata.name.endsWith('traefik'),
    );
    expect(traefik?.spec.namespaceSelector).toEqual({ matchNames: ['traefik'] });
    expect(traefik?.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'traefik',
      'app.kubernetes.io/component': 'ingress-controller',
    });
    const off = render('--set', 'enabled=true');
    expect(off.map((o) => o.metadata.name).filter((n) => n.endsWith('traefik'))).toEqual([]);
  });

  describe.each(['dev', 'prod'] as const)('against k8s/%s', (env) => {
    const { objects } = environmentManifests(env);
    it.each(['auth', 'api'])('selects the %s pods and their metrics port, nothing else', (name) => {
      const monitor = ofKind(operator(), 'PodMonitor').find((m) => m.metadata.name.endsWith(name));
      const deployment = findObject(objects, 'Deployment', name, NS);
      const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
      const selector = monitor?.spec.selector.matchLabels as Record<string, string>;
      expect(selector).toEqual(deployment.spec.selector.matchLabels);
      for (const [key, value] of Object.entries(selector)) expect(podLabels[key]).toBe(value);
      // no other workload's pods (migration Jobs, databases) carry the same labels
      const alsoSelected = objects.filter(
        (o) =>
          o !== deployment &&
          podSpecOf(o) &&
          Object.entries(selector).every(([k, v]) => podLabelsOf(o)[k] === v),
      );
      expect(alsoSelected.map((o) => o.metadata.name)).toEqual([]);
      const [endpoint] = monitor?.spec.podMetricsEndpoints ?? [];
      const port = podSpecOf(deployment)
        ?.containers.flatMap((c) => c.ports ?? [])
        .find((p) => p.name === endpoint.port);
      expect(port?.containerPort).toBe(9464);
      expect(endpoint.path).toBe(
        deployment.spec.template.metadata.annotations['prometheus.io/path'],
      );
      // the same `service` label the dev Prometheus sets, which the alerts select on
      expect(endpoint.relabelings).toEqual([
        {
          sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'],
          targetLabel: 'service',
        },
      ]);
      expect(monitor?.spec.jobLabel).toBe('app.kubernetes.io/name');
    });
  });

  it('scopes the alerts to the namespace it is installed in', () => {
    const [rule] = ofKind(
      render('-n', 'shop', '-f', `${CHART}/ci/operator-values.yaml`),
      'PrometheusRule',
    );
    const exprs: string[] = rule?.spec.groups.flatMap((g: { rules: { expr: string }[] }) =>
      g.rules.map((r) => r.expr),
    );
    expect(exprs.length).toBe(ruleGroups().flatMap((g) => g.rules).length);
    for (const expr of exprs) {
      expect(expr).not.toContain('shardgate');
      expect(expr).toContain('namespace="shop"');
    }
  });

  it('carries the rules file unchanged but for the runbook base URL', () => {
    const [rule] = ofKind(operator(), 'PrometheusRule');
    const base = 'https://git.example.com/shardgate/blob/main/';
    const expected = ruleGroups().map((group) => ({
      ...group,
      rules: group.rules.map((r) => ({
        ...r,
        annotations: { ...r.annotations, runbook_url: `${base}${r.annotations.runbook_url}` },
      })),
    }));
    expect(rule?.spec).toEqual({ groups: expected });
  });
});
