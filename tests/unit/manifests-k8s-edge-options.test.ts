import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { afterAll, describe, expect, it } from 'vitest';
import { TraefikIngressController } from '../../cdk8s/src/constructs/traefik-ingress-controller.js';
import { type EdgeConfig, type EnvironmentConfig, prod } from '../../cdk8s/src/environments.js';
import { buildApp } from '../../cdk8s/src/shardgate-app.js';
import { committedRelease, NS, TRAEFIK_NS } from '../support/k8s-environment.js';
import { findObject, type K8sObject, podLabelsOf } from '../support/k8s-manifests.js';
import {
  ingressAllowed,
  namespaceLabels as nsLabels,
  type PodRef,
} from '../support/k8s-network-policy.js';

// The edges an operator may choose instead of prod's default Traefik (environments.ts `edge`):
// ingress-nginx and the Gateway API. Built in memory: the committed k8s/prod is Traefik's.

const out = mkdtempSync(join(tmpdir(), 'edge-options-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Every object of the prod app built with `edge`, by chart id. */
function build(edge: EdgeConfig): Map<string, K8sObject[]> {
  const env: EnvironmentConfig = { ...prod, edge };
  const app = buildApp(env, join(out, edge.controller), committedRelease());
  return new Map(app.charts.map((c) => [c.node.id, c.toJson() as K8sObject[]]));
}

const pod = (namespace: string, labels: Record<string, string>): PodRef => ({
  namespace,
  namespaceLabels: nsLabels(namespace),
  labels,
});
const traefik = pod(TRAEFIK_NS, {
  'app.kubernetes.io/name': 'traefik',
  'app.kubernetes.io/component': 'ingress-controller',
});
const ingressNginx = pod('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' });
const envoy = pod('envoy-gateway-system', { 'app.kubernetes.io/name': 'envoy' });

describe.each([
  ['ingress-nginx', ingressNginx],
  ['gateway-api', envoy],
] as const)('prod with edge %s', (controller, edgePod) => {
  const charts = build({ controller });
  const all = [...charts.values()].flat();
  const shardgate = (name: string) => pod(NS, podLabelsOf(findObject(all, 'Deployment', name, NS)));
  const auth = shardgate('auth');
  const api = shardgate('api');

  it('deploys no Traefik: the cluster brings its controller', () => {
    expect(charts.has('ingress-controller')).toBe(false);
    expect(all.filter((o) => o.metadata.namespace === TRAEFIK_NS)).toEqual([]);
  });

  it('admits exactly that edge to auth and api', () => {
    // As applied for that edge: gateway-api.k8s.yaml only with the Gateway API.
    const applied = [...charts.entries()]
      .filter(([id]) => id !== 'gateway-api' || controller === 'gateway-api')
      .flatMap(([, objects]) => objects);
    const policies = applied.filter((o) => o.kind === 'NetworkPolicy');
    const allowed = (from: PodRef, to: PodRef) => ingressAllowed(policies, from, to, 8080);
    for (const svc of [auth, api]) {
      expect(allowed(edgePod, svc)).toBe(true);
      for (const other of [traefik, ingressNginx, envoy].filter((p) => p !== edgePod)) {
        expect(allowed(other, svc)).toBe(false);
      }
      expect(allowed(pod('default', { 'app.kubernetes.io/name': 'shell' }), svc)).toBe(false);
    }
    expect(allowed(api, auth)).toBe(true);
  });

  it('never writes an ingress rule without peers (it would admit every source)', () => {
    for (const policy of all.filter((o) => o.kind === 'NetworkPolicy')) {
      for (const rule of policy.spec.ingress ?? []) {
        expect(rule.from, policy.metadata.name).not.toEqual([]);
      }
    }
  });
});

describe('TraefikIngressController guards', () => {
  const chart = () => new Chart(new App({ outdir: out }), 'edge', { namespace: TRAEFIK_NS });

  it('refuses a load-balancer edge with one replica (Local traffic policy: one node, no spare)', () => {
    expect(
      () => new TraefikIngressController(chart(), 'traefik', { exposure: 'load-balancer' }),
    ).toThrow(/2 or more replicas/);
    expect(
      () =>
        new TraefikIngressController(chart(), 'traefik', {
          exposure: 'load-balancer',
          replicas: 2,
        }),
    ).not.toThrow();
  });
});
