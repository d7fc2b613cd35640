import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { PrometheusOperatorChart } from '../../cdk8s/src/charts/prometheus-operator-chart.js';
import { dev } from '../../cdk8s/src/environments.js';
import { PROMETHEUS_OPERATOR_VERSION } from '../../cdk8s/src/names.js';
import { OPERATOR_CRDS } from '../../scripts/cluster/build/prometheus-operator.js';
import { PROMETHEUS_IMAGE } from '../../scripts/cluster/images/prometheus-image.js';
import {
  PROMETHEUS_CONFIG_RELOADER_IMAGE,
  PROMETHEUS_OPERATOR_IMAGE,
} from '../../scripts/cluster/images/prometheus-operator-image.js';
import { VERSIONS } from '../../scripts/cluster/versions.js';
import {
  environmentManifests,
  MONITORING_NS,
  NS,
  PROMETHEUS_OPERATOR_FILE,
  TRAEFIK_NS,
} from '../support/k8s-environment.js';
import { findObject, type K8sObject, podSpecOf } from '../support/k8s-manifests.js';
import { ingressAllowed, namespaceLabels, selectorMatches } from '../support/k8s-network-policy.js';

// prometheus-operator.k8s.yaml (dev): the Prometheus Operator and its Prometheus, which the local
// cluster runs to prove monitoring.k8s.yaml. What is checked here is what the cluster cannot
// show by working: that the images are the ones the cluster builds, that the operator may do no
// more than it needs, and that its Prometheus selects exactly our objects and may scrape them.
// tests/cluster/prometheus-operator.test.ts checks the rest on the running operator.

const { loaded, objects } = environmentManifests('dev');
const mine = loaded.filter((l) => l.file === PROMETHEUS_OPERATOR_FILE).map((l) => l.object);
const monitoring = loaded.filter((l) => l.file === 'monitoring.k8s.yaml').map((l) => l.object);
const prometheus = findObject(mine, 'Prometheus', 'shardgate', MONITORING_NS);
const operator = findObject(mine, 'Deployment', 'prometheus-operator', MONITORING_NS);
const rbac = (kind: string) => mine.filter((o) => o.kind === kind);
const WRITES = ['create', 'update', 'patch', 'delete', 'deletecollection', '*'];

describe(`k8s/dev/${PROMETHEUS_OPERATOR_FILE}`, () => {
  it('runs the images the local cluster builds, of one operator release', () => {
    expect(PROMETHEUS_OPERATOR_VERSION).toBe(`v${VERSIONS.prometheusOperator}`);
    const container = podSpecOf(operator)?.containers[0];
    expect(container?.image).toBe(PROMETHEUS_OPERATOR_IMAGE);
    expect(container?.args).toContain(
      `--prometheus-config-reloader=${PROMETHEUS_CONFIG_RELOADER_IMAGE}`,
    );
    expect(prometheus.spec.image).toBe(PROMETHEUS_IMAGE);
    expect(prometheus.spec.version).toBe(`v${VERSIONS.prometheus}`);
  });

  it('installs the CRD of every operator kind the manifests use', () => {
    const plural: Record<string, string> = {
      Prometheus: 'prometheuses',
      PodMonitor: 'podmonitors',
      PrometheusRule: 'prometheusrules',
    };
    const kinds = new Set(
      objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com')).map((o) => o.kind),
    );
    for (const kind of kinds) expect(OPERATOR_CRDS, kind).toContain(plural[kind]);
  });

  it('scopes the operator: Prometheus objects in its namespace, monitors read in shardgate only', () => {
    const args = podSpecOf(operator)?.containers[0]?.args ?? [];
    expect(args).toContain(`--namespaces=${NS}`);
    for (const kind of ['prometheus', 'alertmanager', 'thanos-ruler']) {
      expect(args).toContain(`--${kind}-instance-namespaces=${MONITORING_NS}`);
    }
  });

  it('writes only in its own namespace, and reads nothing secret beyond it', () => {
    const clusterRules = rbac('ClusterRole').flatMap((r) => r.rules);
    for (const rule of clusterRules) {
      expect(
        rule.verbs.filter((v: string) => WRITES.includes(v)),
        JSON.stringify(rule),
      ).toEqual([]);
      expect(rule.resources).not.toContain('secrets');
      expect(rule.resources).not.toContain('configmaps');
    }
    // namespaces: only `get`, only of the namespaces it works in
    const ns = clusterRules.find((r) => r.resources.includes('namespaces'));
    expect(ns?.resourceNames.sort()).toEqual([MONITORING_NS, NS]);
    for (const kind of ['Role', 'RoleBinding', 'ClusterRoleBinding']) {
      for (const o of rbac(kind)) {
        for (const subject of o.subjects ?? []) expect(subject.namespace).toBe(MONITORING_NS);
      }
    }
    expect(rbac('Role').map((r) => r.metadata.namespace)).toEqual([MONITORING_NS]);
    // the Prometheus pods may list pods, nothing else
    const discovery = rbac('ClusterRole').find((r) => r.metadata.name.endsWith('shardgate'));
    expect(discovery?.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  it('selects exactly the PodMonitors and PrometheusRule of monitoring.k8s.yaml', () => {
    const shardgate = namespaceLabels(NS);
    const selected = (kind: string, selector: string, nsSelector: string) =>
      objects.filter(
        (o) =>
          o.kind === kind &&
          selectorMatches(
            prometheus.spec[nsSelector],
            namespaceLabels(o.metadata.namespace ?? ''),
          ) &&
          selectorMatches(prometheus.spec[selector], o.metadata.labels ?? {}),
      );
    expect(selectorMatches(prometheus.spec.podMonitorNamespaceSelector, shardgate)).toBe(true);
    const names = (list: K8sObject[]) => list.map((o) => o.metadata.name).sort();
    expect(
      names(selected('PodMonitor', 'podMonitorSelector', 'podMonitorNamespaceSelector')),
    ).toEqual(names(monitoring.filter((o) => o.kind === 'PodMonitor')));
    expect(names(selected('PrometheusRule', 'ruleSelector', 'ruleNamespaceSelector'))).toEqual([
      'shardgate',
    ]);
  });

  it("is admitted to every metrics port it scrapes by those namespaces' NetworkPolicies", () => {
    // the labels the operator gives its Prometheus pods (upstream's `app.kubernetes.io/name`)
    const pod = {
      namespace: MONITORING_NS,
      namespaceLabels: namespaceLabels(MONITORING_NS),
      labels: { 'app.kubernetes.io/name': 'prometheus', prometheus: 'shardgate' },
    };
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    for (const { name, ns, port } of [
      { name: 'auth', ns: NS, port: 9464 },
      { name: 'api', ns: NS, port: 9464 },
      { name: 'traefik', ns: TRAEFIK_NS, port: 9100 },
    ]) {
      const target = findObject(objects, 'Deployment', name, ns);
      const to = {
        namespace: ns,
        namespaceLabels: namespaceLabels(ns),
        labels: target.spec.template.metadata.labels,
      };
      expect(ingressAllowed(policies, pod, to, port), name).toBe(true);
      // and nothing else of the monitoring namespace is
      expect(ingressAllowed(policies, { ...pod, labels: {} }, to, port), name).toBe(false);
    }
  });

  it('refuses to run the operator without the objects it reads or a namespace to run in', () => {
    const settings = dev.monitoring ?? {};
    expect(
      () =>
        new PrometheusOperatorChart(new App(), 'po', {
          settings: { ...settings, prometheusOperator: false },
        }),
    ).toThrow(/needs monitoring.prometheusOperator/);
    expect(
      () =>
        new PrometheusOperatorChart(new App(), 'po', {
          settings: { ...settings, namespaceLabels: { team: 'x' } },
        }),
    ).toThrow(/kubernetes.io\/metadata.name/);
  });
});
