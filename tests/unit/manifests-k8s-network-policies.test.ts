import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, environmentManifests, NS, TRAEFIK_NS } from '../support/k8s-environment.js';
import { findByAppName, findObject, podLabelsOf } from '../support/k8s-manifests.js';
import {
  ingressAllowed,
  namespaceLabels as nsLabels,
  type PodRef,
} from '../support/k8s-network-policy.js';

// Reachability under the NetworkPolicies of k8s/<env>, evaluated for every pair that matters:
// only the edge in use gets in (the Traefik pods in both environments, whose own namespace admits
// the web and websecure ports from anywhere and metrics from Prometheus only), only
// the services (and their migrations) reach their databases and Redis, everything else is denied.

describe.each(ENVIRONMENTS)('k8s/%s NetworkPolicies', (env) => {
  const { objects } = environmentManifests(env);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const inNs = (labels: Record<string, string>, ports?: Record<string, number>): PodRef => ({
    namespace: NS,
    namespaceLabels: nsLabels(NS),
    labels,
    ports,
  });
  const podOf = (kind: string, name: string) =>
    inNs(podLabelsOf(findObject(objects, kind, name, NS)));
  const auth = podOf('Deployment', 'auth');
  const api = podOf('Deployment', 'api');
  const authJob = inNs(podLabelsOf(findByAppName(objects, 'Job', 'auth-migrations')));
  const apiJob = inNs(podLabelsOf(findByAppName(objects, 'Job', 'api-migrations')));
  const cleanup = inNs(podLabelsOf(findObject(objects, 'CronJob', 'auth-cleanup', NS)));
  const pgAuth = podOf('StatefulSet', 'postgres-auth-primary');
  const pgAuthStandby = podOf('StatefulSet', 'postgres-auth-standby');
  const shard0 = podOf('StatefulSet', 'postgres-shard0-primary');
  const shard1Standby = podOf('StatefulSet', 'postgres-shard1-standby');
  const shard1 = podOf('StatefulSet', 'postgres-shard1-primary');
  const redis = podOf('StatefulSet', 'redis');
  const prometheus = inNs({ 'app.kubernetes.io/name': 'prometheus' });
  const stranger = inNs({ 'app.kubernetes.io/name': 'debug-shell' });
  const controller: PodRef = {
    namespace: 'ingress-nginx',
    namespaceLabels: nsLabels('ingress-nginx'),
    labels: { 'app.kubernetes.io/name': 'ingress-nginx' },
  };
  const traefikLabels = {
    'app.kubernetes.io/name': 'traefik',
    'app.kubernetes.io/component': 'ingress-controller',
  };
  const traefik: PodRef = {
    namespace: TRAEFIK_NS,
    namespaceLabels: nsLabels(TRAEFIK_NS),
    labels: traefikLabels,
  };
  /** Another pod of the traefik namespace: admitted to shardgate by namespace alone, it must not be. */
  const traefikNeighbour: PodRef = { ...traefik, labels: { 'app.kubernetes.io/name': 'shell' } };
  const elsewhere: PodRef = {
    namespace: 'default',
    namespaceLabels: nsLabels('default'),
    labels: { 'app.kubernetes.io/name': 'api' },
  };
  const allowed = (from: PodRef, to: PodRef, port: number) =>
    ingressAllowed(policies, from, to, port);

  it('denies all ingress by default', () => {
    const deny = findObject(objects, 'NetworkPolicy', 'default-deny-ingress', NS);
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(allowed(stranger, inNs({ any: 'pod' }), 8080)).toBe(false);
  });

  it('lets only the edge (Traefik) reach the API, and it plus the API reach auth', () => {
    expect(allowed(traefik, api, 8080)).toBe(true);
    expect(allowed(traefik, auth, 8080)).toBe(true);
    expect(allowed(api, auth, 8080)).toBe(true);
    expect(allowed(traefik, api, 9464)).toBe(false);
    expect(allowed(auth, api, 8080)).toBe(false);
    expect(allowed(stranger, api, 8080)).toBe(false);
    expect(allowed(stranger, auth, 8080)).toBe(false);
    expect(allowed(elsewhere, api, 8080)).toBe(false);
    // Exactly the edge in use: ingress-nginx's namespace (retired, not the edge) stays shut.
    expect(allowed(controller, api, 8080)).toBe(false);
    expect(allowed(controller, auth, 8080)).toBe(false);
    const apiHttp = findObject(objects, 'NetworkPolicy', 'api-http', NS).spec;
    const traefikPeer = {
      namespaceSelector: { matchLabels: nsLabels(TRAEFIK_NS) },
      podSelector: { matchLabels: traefikLabels },
    };
    expect(apiHttp.ingress).toEqual([
      { from: [traefikPeer], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
  });

  it('admits the Traefik pods (not their namespace) to auth and api on 8080 only', () => {
    for (const svc of [auth, api]) {
      expect(allowed(traefik, svc, 8080)).toBe(true);
      expect(allowed(traefik, svc, 9464)).toBe(false);
      expect(allowed(traefikNeighbour, svc, 8080)).toBe(false);
    }
    for (const db of [pgAuth, shard0, redis]) {
      expect(allowed(traefik, db, db === redis ? 6379 : 5432)).toBe(false);
    }
  });

  // dev: web only; prod also websecure (8443), the Ingresses' TLS host.
  const traefikTraffic = env === 'dev' ? [8000] : [8000, 8443];
  it(`lets anyone reach Traefik on ${traefikTraffic.join(' and ')}, only Prometheus on 9100, nobody on 8080 (ping)`, () => {
    const deny = findObject(objects, 'NetworkPolicy', 'default-deny-ingress', TRAEFIK_NS);
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    for (const from of [elsewhere, stranger, controller, traefikNeighbour, prometheus]) {
      for (const port of traefikTraffic) expect(allowed(from, traefik, port)).toBe(true);
      expect(allowed(from, traefik, 8080)).toBe(false);
      expect(allowed(from, traefik, 9100)).toBe(from === prometheus);
    }
    // No HTTPS port where no TLS entrypoint listens.
    expect(allowed(elsewhere, traefik, 8443)).toBe(env === 'prod');
    expect(allowed(elsewhere, traefikNeighbour, 8000)).toBe(false);
    const notPrometheus = {
      ...prometheus,
      namespace: 'default',
      namespaceLabels: nsLabels('default'),
    };
    expect(allowed(notPrometheus, traefik, 9100)).toBe(false);
  });

  it('lets Prometheus scrape the metrics port of both services, and nothing else', () => {
    for (const svc of [auth, api]) {
      expect(allowed(prometheus, svc, 9464)).toBe(true);
      expect(allowed(prometheus, svc, 8080)).toBe(false);
      expect(allowed(controller, svc, 9464)).toBe(false);
    }
    expect(allowed(prometheus, pgAuth, 5432)).toBe(false);
  });

  it("lets the monitoring namespace's Prometheus (kube-prometheus-stack) scrape them too", () => {
    const inMonitoring = (labels: Record<string, string>): PodRef => ({
      namespace: 'monitoring',
      namespaceLabels: nsLabels('monitoring'),
      labels,
    });
    const operatorPrometheus = inMonitoring({
      'app.kubernetes.io/name': 'prometheus',
      'app.kubernetes.io/managed-by': 'prometheus-operator',
    });
    const grafana = inMonitoring({ 'app.kubernetes.io/name': 'grafana' });
    const prometheusElsewhere: PodRef = {
      ...operatorPrometheus,
      ...elsewhere,
      labels: prometheus.labels,
    };
    for (const svc of [auth, api]) {
      expect(allowed(operatorPrometheus, svc, 9464)).toBe(true);
      expect(allowed(operatorPrometheus, svc, 8080)).toBe(false);
      expect(allowed(grafana, svc, 9464)).toBe(false);
      expect(allowed(prometheusElsewhere, svc, 9464)).toBe(false);
    }
    for (const db of [pgAuth, shard0, redis]) {
      expect(allowed(operatorPrometheus, db, db === redis ? 6379 : 5432)).toBe(false);
    }
    // Traefik's metrics port in its own namespace, by the same setting (monitoring.namespaceLabels).
    expect(allowed(operatorPrometheus, traefik, 9100)).toBe(true);
    expect(allowed(grafana, traefik, 9100)).toBe(false);
    expect(allowed(prometheusElsewhere, traefik, 9100)).toBe(false);
  });

  it('lets each database be reached only by its service, its migrations, its cleanup and its standbys', () => {
    expect(allowed(auth, pgAuth, 5432)).toBe(true);
    expect(allowed(authJob, pgAuth, 5432)).toBe(true);
    expect(allowed(cleanup, pgAuth, 5432)).toBe(true);
    expect(allowed(auth, pgAuthStandby, 5432)).toBe(true);
    expect(allowed(pgAuthStandby, pgAuth, 5432)).toBe(true);
    expect(allowed(api, pgAuth, 5432)).toBe(false);
    expect(allowed(apiJob, pgAuth, 5432)).toBe(false);
    for (const shard of [shard0, shard1, shard1Standby]) {
      expect(allowed(api, shard, 5432)).toBe(true);
      expect(allowed(apiJob, shard, 5432)).toBe(true);
      expect(allowed(auth, shard, 5432)).toBe(false);
      expect(allowed(authJob, shard, 5432)).toBe(false);
      expect(allowed(cleanup, shard, 5432)).toBe(false);
      expect(allowed(controller, shard, 5432)).toBe(false);
      expect(allowed(stranger, shard, 5432)).toBe(false);
    }
    expect(allowed(shard1Standby, shard1, 5432)).toBe(true);
    expect(allowed(shard1Standby, shard0, 5432)).toBe(false);
    expect(allowed(pgAuthStandby, shard0, 5432)).toBe(false);
  });

  it('lets only the services reach Redis', () => {
    expect(allowed(auth, redis, 6379)).toBe(true);
    expect(allowed(api, redis, 6379)).toBe(true);
    expect(allowed(authJob, redis, 6379)).toBe(false);
    expect(allowed(cleanup, redis, 6379)).toBe(false);
    expect(allowed(stranger, redis, 6379)).toBe(false);
    expect(allowed(controller, redis, 6379)).toBe(false);
  });

  it('lets only auth reach the dev Mailpit, on SMTP only (its web UI: no pod); prod has none', () => {
    const mailpitPolicy = policies.find((p) => p.metadata.name === 'mailpit-smtp');
    if (env === 'prod') {
      expect(objects.filter((o) => o.metadata.name === 'mailpit')).toEqual([]);
      expect(mailpitPolicy).toBeUndefined();
      return;
    }
    const mailpit = podOf('Deployment', 'mailpit');
    expect(allowed(auth, mailpit, 1025)).toBe(true);
    expect(allowed(auth, mailpit, 8025)).toBe(false);
    for (const other of [api, authJob, cleanup, prometheus, controller, traefik, stranger]) {
      expect(allowed(other, mailpit, 1025)).toBe(false);
      expect(allowed(other, mailpit, 8025)).toBe(false);
    }
  });
});
