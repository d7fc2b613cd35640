import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  ENVIRONMENTS,
  environmentManifests,
  INGRESS_CONTROLLER_FILE,
  MONITORING_NS,
  NS,
  PROMETHEUS_OPERATOR_FILE,
  REPO_ROOT,
  TRAEFIK_NS,
} from '../support/k8s-environment.js';
import {
  CLUSTER_SCOPED_KINDS,
  CUSTOM_KINDS,
  findObject,
  type Loose,
  podLabelsOf,
  schemaProblems,
} from '../support/k8s-manifests.js';
import { selectorMatches } from '../support/k8s-network-policy.js';

// The synthesized manifests as a whole: which files, schema validity, namespace, the Secrets they
// reference, the dev Prometheus config. By topic, the other checks are in
// manifests-k8s-workloads.test.ts (pods, Deployments, PDBs, HPAs, migration Jobs),
// manifests-k8s-edge.test.ts (Ingress, Gateway API), manifests-k8s-ingress-controller.test.ts
// (Traefik, dev only), manifests-k8s-network-policies.test.ts and
// manifests-k8s-linters.test.ts (the checkers themselves reject bad input).

const commonFiles = [
  'api.k8s.yaml',
  'auth.k8s.yaml',
  'gateway-api.k8s.yaml',
  'infrastructure.k8s.yaml',
  'ingress.k8s.yaml',
  'migrations.k8s.yaml',
  'namespace.k8s.yaml',
  'network-policies.k8s.yaml',
];

describe.each(ENVIRONMENTS)('k8s/%s', (env) => {
  const { loaded, objects } = environmentManifests(env);
  const deployments = objects.filter((o) => o.kind === 'Deployment');

  it('has exactly the contracted files', () => {
    const files = [...new Set(loaded.map((l) => l.file))].sort();
    const expected =
      env === 'dev'
        ? [
            ...commonFiles,
            INGRESS_CONTROLLER_FILE,
            'mailpit.k8s.yaml',
            'prometheus.k8s.yaml',
            // the Prometheus Operator, its Prometheus, and the PodMonitors and alerts it reads
            'monitoring.k8s.yaml',
            PROMETHEUS_OPERATOR_FILE,
          ].sort()
        : // Traefik is prod's edge too (environments.ts `edge`); mail and Prometheus are the operator's.
          [...commonFiles, INGRESS_CONTROLLER_FILE].sort();
    expect(files).toEqual(expected);
  });

  it('validates every object against the Kubernetes schemas', () => {
    expect(objects.length).toBeGreaterThan(40);
    expect(objects.flatMap(schemaProblems)).toEqual([]);
    const kinds = new Set(objects.map((o) => `${o.apiVersion}/${o.kind}`));
    for (const custom of CUSTOM_KINDS) expect(kinds).toContain(custom);
  });

  it('puts every object in shardgate (the ingress controller in traefik, the operator in monitoring), names unique, no Secret', () => {
    for (const { file, object: o } of loaded) {
      const where = `${file}: ${o.kind}/${o.metadata.name}`;
      if (CLUSTER_SCOPED_KINDS.includes(o.kind))
        expect(o.metadata.namespace, where).toBeUndefined();
      // The controller's chart also holds its Role in the namespace it watches.
      else if (file === INGRESS_CONTROLLER_FILE)
        expect([TRAEFIK_NS, NS], where).toContain(o.metadata.namespace);
      // The operator's file keeps everything in its namespace: no Role or binding elsewhere.
      else if (file === PROMETHEUS_OPERATOR_FILE)
        expect(o.metadata.namespace, where).toBe(MONITORING_NS);
      else expect(o.metadata.namespace, where).toBe(NS);
    }
    const keys = objects.map((o) => `${o.metadata.namespace ?? ''}/${o.kind}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    expect(namespaces.map((n) => n.metadata.name).sort()).toEqual(
      env === 'dev' ? [MONITORING_NS, NS, TRAEFIK_NS] : [NS, TRAEFIK_NS],
    );
    for (const ns of namespaces) {
      expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    }
  });

  it('has nothing but the expected Deployments, each behind exactly one Service of its name', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      env === 'dev'
        ? ['api', 'auth', 'mailpit', 'prometheus', 'prometheus-operator', 'traefik']
        : ['api', 'auth', 'traefik'],
    );
    const services = objects.filter((o) => o.kind === 'Service' && o.spec?.selector);
    for (const deployment of deployments) {
      const labels = podLabelsOf(deployment);
      const selecting = services.filter((s) =>
        selectorMatches({ matchLabels: s.spec.selector }, labels),
      );
      expect(
        selecting.map((s) => s.metadata.name),
        deployment.metadata.name,
      ).toEqual([deployment.metadata.name]);
    }
  });

  it('references only the Secrets cdk8s/README.md documents, with the documented keys', () => {
    const readme = readFileSync(join(REPO_ROOT, 'cdk8s/README.md'), 'utf8');
    const table = new Map<string, string>();
    for (const m of readme.matchAll(/^\| `([a-z0-9-]+)` \| ([^|]+) \|/gm)) {
      table.set(m[1] as string, m[2] as string);
    }
    const referenced = new Map<string, Set<string>>();
    const note = (name: string, key?: string) => {
      if (!referenced.has(name)) referenced.set(name, new Set());
      if (key) referenced.get(name)?.add(key);
    };
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        const v = value as Record<string, Loose>;
        if (v.secretKeyRef) note(v.secretKeyRef.name, v.secretKeyRef.key);
        if (v.secretRef?.name) note(v.secretRef.name);
        if (v.secret?.secretName) note(v.secret.secretName);
        if (typeof v.existingSecret === 'string') note(v.existingSecret);
        Object.values(v).forEach(walk);
      }
    };
    objects.forEach(walk);
    expect(referenced.size).toBeGreaterThanOrEqual(8);
    for (const [name, keys] of referenced) {
      const documented = table.get(name);
      expect(documented, `Secret ${name} is missing from cdk8s/README.md`).toBeDefined();
      for (const key of keys) expect(documented, `${name} key ${key}`).toContain(`\`${key}\``);
    }
  });

  if (env === 'dev') {
    it('ships a Prometheus config that promtool accepts and that keeps annotated pods', () => {
      const text = findObject(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml'];
      const config = parse(text) as { scrape_configs: Record<string, unknown>[] };
      const [job] = config.scrape_configs;
      expect(job?.kubernetes_sd_configs).toEqual([
        { role: 'pod', namespaces: { names: [NS, TRAEFIK_NS] } },
      ]);
      expect(text).toContain('__meta_kubernetes_pod_annotation_prometheus_io_scrape');
      // Debian's Prometheus is built without Kubernetes discovery, so promtool here refuses
      // kubernetes_sd_configs; it checks everything else (relabel rules, regexes) with the
      // discovery swapped for a static target.
      delete job?.kubernetes_sd_configs;
      if (job) job.static_configs = [{ targets: ['127.0.0.1:9464'] }];
      const dir = mkdtempSync(join(tmpdir(), 'promcfg-'));
      writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
      const r = spawnSync(
        'promtool',
        ['check', 'config', '--syntax-only', join(dir, 'prometheus.yml')],
        { encoding: 'utf8' },
      );
      expect(r.error, 'promtool is missing: run scripts/bootstrap.sh').toBeUndefined();
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });
  }
});
