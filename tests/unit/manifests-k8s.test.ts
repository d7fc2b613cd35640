import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  authCacheDurationProblems,
  authResponseHeadersProblems,
  authUrlProblems,
  CUSTOM_KINDS,
  imageProblems,
  ingressAllowed,
  type K8sObject,
  type Loose,
  loadManifests,
  nginxAnnotationProblems,
  namespaceLabels as nsLabels,
  type PodRef,
  type PodSpec,
  podLabelsOf,
  podSpecOf,
  resourceProblems,
  restrictedProblems,
  schemaProblems,
  selectorMatches,
} from '../support/k8s-manifests.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const NS = 'shardgate';
const HEADERS = 'X-User-Id,X-User-Email,X-User-Role,X-Session-Id';
const AUTH_URL = 'http://auth.shardgate.svc.cluster.local:8080/verify';

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

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not found`);
  return found;
}

describe.each(['dev', 'prod'] as const)('k8s/%s', (env) => {
  const loaded = loadManifests(join(root, 'k8s', env));
  const objects = loaded.map((l) => l.object);
  const workloads = objects.filter((o) => podSpecOf(o));
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const services = ['auth', 'api'].map((name) => find(objects, 'Deployment', name));

  it('has exactly the contracted files', () => {
    const files = [...new Set(loaded.map((l) => l.file))].sort();
    const expected = env === 'dev' ? [...commonFiles, 'prometheus.k8s.yaml'].sort() : commonFiles;
    expect(files).toEqual(expected);
  });

  it('validates every object against the Kubernetes schemas', () => {
    expect(objects.length).toBeGreaterThan(40);
    expect(objects.flatMap(schemaProblems)).toEqual([]);
    const kinds = new Set(objects.map((o) => `${o.apiVersion}/${o.kind}`));
    for (const custom of CUSTOM_KINDS) expect(kinds).toContain(custom);
  });

  it('puts every namespaced object in the shardgate namespace, names unique, no Secret', () => {
    for (const o of objects) {
      if (o.kind === 'Namespace') expect(o.metadata.namespace).toBeUndefined();
      else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(NS);
    }
    const keys = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const ns = find(objects, 'Namespace', NS);
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('passes Pod Security "restricted" and sets requests and limits on every pod', () => {
    expect(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual(
      expect.arrayContaining([
        'Deployment/api',
        'Deployment/auth',
        'Job/api-migrations',
        'Job/auth-migrations',
        'StatefulSet/postgres-auth-primary',
        'StatefulSet/postgres-shard0-standby',
        'StatefulSet/redis',
        ...(env === 'dev' ? ['Deployment/prometheus'] : []),
      ]),
    );
    for (const w of workloads) {
      const where = `${w.kind}/${w.metadata.name}`;
      const pod = podSpecOf(w) as PodSpec;
      expect(restrictedProblems(where, pod)).toEqual([]);
      expect(resourceProblems(where, pod)).toEqual([]);
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(imageProblems(c.image), `${where} ${c.name}`).toEqual([]);
      }
    }
  });

  it('runs the shardgate pods as uid 1000 with the images tagged 0.1.0', () => {
    for (const w of workloads.filter((o) => /^(auth|api)(-migrations)?$/.test(o.metadata.name))) {
      const pod = podSpecOf(w) as PodSpec;
      expect(pod.securityContext?.runAsUser).toBe(1000);
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(c.securityContext?.runAsUser).toBe(1000);
        expect(c.image).toMatch(/^shardgate\/(auth|api):0\.1\.0$/);
      }
    }
  });

  it('keeps ServiceAccount tokens out of every pod but Prometheus, whose Role only reads pods', () => {
    const accounts = objects.filter((o) => o.kind === 'ServiceAccount');
    expect(accounts.length).toBeGreaterThanOrEqual(6);
    for (const sa of accounts)
      expect(sa.automountServiceAccountToken, sa.metadata.name).toBe(false);
    for (const w of workloads) {
      const pod = podSpecOf(w) as PodSpec;
      const expected = w.metadata.name === 'prometheus';
      expect(pod.automountServiceAccountToken, w.metadata.name).toBe(expected);
    }
    if (env === 'dev') {
      const role = find(objects, 'Role', 'prometheus-pod-discovery');
      expect(role.rules).toEqual([
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      ]);
      const binding = find(objects, 'RoleBinding', 'prometheus-pod-discovery');
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'prometheus', namespace: NS },
      ]);
    } else {
      expect(objects.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding')).toEqual([]);
    }
  });

  describe.each(['auth', 'api'])('Deployment %s', (name) => {
    const deployment = find(objects, 'Deployment', name);
    const pod = podSpecOf(deployment) as PodSpec;
    const container = pod.containers.find((c) => c.name === name) as Record<string, Loose>;
    const config = find(objects, 'ConfigMap', `${name}-config`).data as Record<string, string>;

    it('probes /healthz and /readyz on the http port and exposes http 8080, metrics 9464', () => {
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(container.ports).toEqual([
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
      ]);
      expect(config.PORT).toBe('8080');
      expect(config.METRICS_PORT).toBe('9464');
      expect(container.command).toEqual(['node', `services/${name}/dist/main.js`]);
    });

    it('sleeps in preStop for the drain delay and allows the whole shutdown in the grace period', () => {
      const drain = Number(config.SHUTDOWN_DRAIN_DELAY_MS) / 1000;
      const timeout = Number(config.SHUTDOWN_TIMEOUT_MS) / 1000;
      expect(drain).toBeGreaterThan(0);
      expect(container.lifecycle.preStop).toEqual({ sleep: { seconds: drain } });
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(drain + drain + timeout);
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    });

    it('waits for its migrations, reads config from its ConfigMap and secrets by reference', () => {
      const init = pod.initContainers?.[0] as Record<string, Loose>;
      expect(init.name).toBe('wait-for-migrations');
      expect(init.command).toEqual([
        'node',
        'services/shared/dist/migrate/cli.js',
        '--wait',
        '--timeout',
        '300',
        `services/${name}/prisma/migrations`,
      ]);
      expect(container.envFrom).toEqual([
        { configMapRef: { name: `${name}-config` } },
        { secretRef: { name: `${name}-database` } },
        { secretRef: { name: `${name}-redis` } },
      ]);
      expect(JSON.stringify(config)).not.toMatch(/postgres(ql)?:\/\/|redis:\/\/|password/i);
    });

    it('is annotated for Prometheus scraping on the metrics port', () => {
      expect(deployment.spec.template.metadata.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9464',
        'prometheus.io/path': '/metrics',
      });
    });

    it('is selected by a PodDisruptionBudget and a Service on port 8080', () => {
      const labels = podLabelsOf(deployment);
      const pdbs = objects.filter(
        (o) => o.kind === 'PodDisruptionBudget' && selectorMatches(o.spec.selector, labels),
      );
      expect(pdbs.map((p) => p.metadata.name)).toEqual([name]);
      expect(pdbs[0]?.spec.maxUnavailable).toBe(1);
      const service = find(objects, 'Service', name);
      expect(selectorMatches({ matchLabels: service.spec.selector }, labels)).toBe(true);
      expect(service.spec.ports).toEqual([
        { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
      ]);
    });

    it(env === 'prod' ? 'scales with an HPA from 2 replicas' : 'runs one replica', () => {
      const hpas = objects.filter(
        (o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef.name === name,
      );
      if (env === 'prod') {
        expect(hpas).toHaveLength(1);
        expect(hpas[0]?.spec.scaleTargetRef).toEqual({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name,
        });
        expect(hpas[0]?.spec.minReplicas).toBeGreaterThanOrEqual(2);
        expect(deployment.spec.replicas).toBeUndefined();
      } else {
        expect(hpas).toHaveLength(0);
        expect(deployment.spec.replicas).toBe(1);
      }
    });
  });

  it('migrates the auth database and every shard primary in one Job per service', () => {
    const env0 = (job: string) =>
      (podSpecOf(find(objects, 'Job', job)) as PodSpec).containers[0] as Record<string, Loose>;
    const urls = (c: Record<string, Loose>) =>
      c.env.find((e: { name: string }) => e.name === 'DATABASE_URLS').value;
    expect(urls(env0('auth-migrations'))).toBe('$(DATABASE_URL)');
    expect(urls(env0('api-migrations'))).toBe('$(SHARD_0_PRIMARY_URL),$(SHARD_1_PRIMARY_URL)');
    expect(env0('api-migrations').command).toEqual([
      'node',
      'services/shared/dist/migrate/cli.js',
      'services/api/prisma/migrations',
    ]);
    // The wait initContainer polls exactly the databases its Job migrates.
    for (const name of ['auth', 'api']) {
      const init = (podSpecOf(find(objects, 'Deployment', name)) as PodSpec).initContainers?.[0];
      expect(init?.env).toEqual(env0(`${name}-migrations`).env);
    }
  });

  it('has the two Ingresses with exactly the contracted paths and annotations', () => {
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    expect(ingresses.map((i) => i.metadata.name).sort()).toEqual([
      'shardgate-api',
      'shardgate-public',
    ]);
    const paths = (ing: K8sObject) =>
      ing.spec.rules.flatMap((r: Loose) =>
        r.http.paths.map((p: Loose) => [
          p.path,
          p.pathType,
          p.backend.service.name,
          p.backend.service.port.number,
        ]),
      );
    const pub = find(objects, 'Ingress', 'shardgate-public');
    const api = find(objects, 'Ingress', 'shardgate-api');
    expect(paths(pub)).toEqual([
      ['/auth', 'Prefix', 'auth', 8080],
      ['/.well-known', 'ImplementationSpecific', 'auth', 8080],
    ]);
    // ingress-nginx's strict-validate-path-type (default since v1.12) refuses the whole Ingress
    // when a Prefix or Exact path holds anything but these characters.
    for (const [path, pathType] of [...paths(pub), ...paths(api)]) {
      if (pathType !== 'ImplementationSpecific') expect(path).toMatch(/^\/[A-Za-z0-9/_-]*$/);
    }
    expect(paths(api)).toEqual([['/api', 'Prefix', 'api', 8080]]);
    for (const ing of ingresses) {
      expect(ing.spec.ingressClassName).toBe('nginx');
      expect(nginxAnnotationProblems(ing.metadata.annotations)).toEqual([]);
      if (env === 'dev') expect(ing.spec.rules[0].host).toBeUndefined();
    }
    expect(pub.metadata.annotations ?? {}).toEqual({});
    expect(api.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/auth-url': AUTH_URL,
      'nginx.ingress.kubernetes.io/auth-response-headers': HEADERS,
    });
  });

  it('offers the same routing as Gateway API HTTPRoutes with an Envoy Gateway extAuth policy', () => {
    const route = (name: string) => find(objects, 'HTTPRoute', name);
    const rules = (name: string) =>
      route(name).spec.rules.map((r: Loose) => [r.matches[0].path.value, r.backendRefs[0]]);
    expect(rules('shardgate-public')).toEqual([
      ['/auth', { name: 'auth', port: 8080 }],
      ['/.well-known', { name: 'auth', port: 8080 }],
    ]);
    expect(rules('shardgate-api')).toEqual([['/api', { name: 'api', port: 8080 }]]);
    for (const name of ['shardgate-public', 'shardgate-api']) {
      expect(route(name).spec.parentRefs).toEqual([{ name: 'shardgate' }]);
    }
    expect(find(objects, 'Gateway', 'shardgate').spec.gatewayClassName).toBe('eg');
    const policy = find(objects, 'SecurityPolicy', 'shardgate-api-ext-auth');
    expect(policy.spec).toEqual({
      targetRefs: [
        { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'shardgate-api' },
      ],
      extAuth: {
        http: {
          backendRefs: [{ name: 'auth', port: 8080 }],
          path: '/verify',
          headersToBackend: HEADERS.split(','),
        },
      },
    });
  });

  describe('NetworkPolicies', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const inNs = (labels: Record<string, string>, ports?: Record<string, number>): PodRef => ({
      namespace: NS,
      namespaceLabels: nsLabels(NS),
      labels,
      ports,
    });
    const podOf = (kind: string, name: string) => inNs(podLabelsOf(find(objects, kind, name)));
    const auth = podOf('Deployment', 'auth');
    const api = podOf('Deployment', 'api');
    const authJob = podOf('Job', 'auth-migrations');
    const apiJob = podOf('Job', 'api-migrations');
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
    const elsewhere: PodRef = {
      namespace: 'default',
      namespaceLabels: nsLabels('default'),
      labels: { 'app.kubernetes.io/name': 'api' },
    };
    const allowed = (from: PodRef, to: PodRef, port: number) =>
      ingressAllowed(policies, from, to, port);

    it('denies all ingress by default', () => {
      const deny = find(objects, 'NetworkPolicy', 'default-deny-ingress');
      expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
      expect(allowed(stranger, inNs({ any: 'pod' }), 8080)).toBe(false);
    });

    it('lets only the ingress controller reach the API, and it plus the API reach auth', () => {
      expect(allowed(controller, api, 8080)).toBe(true);
      expect(allowed(controller, auth, 8080)).toBe(true);
      expect(allowed(api, auth, 8080)).toBe(true);
      expect(allowed(controller, api, 9464)).toBe(false);
      expect(allowed(auth, api, 8080)).toBe(false);
      expect(allowed(stranger, api, 8080)).toBe(false);
      expect(allowed(stranger, auth, 8080)).toBe(false);
      expect(allowed(elsewhere, api, 8080)).toBe(false);
      const apiHttp = find(objects, 'NetworkPolicy', 'api-http').spec;
      expect(apiHttp.ingress).toEqual([
        {
          from: [{ namespaceSelector: { matchLabels: nsLabels('ingress-nginx') } }],
          ports: [{ protocol: 'TCP', port: 8080 }],
        },
      ]);
    });

    it('lets Prometheus scrape the metrics port of both services, and nothing else', () => {
      for (const svc of [auth, api]) {
        expect(allowed(prometheus, svc, 9464)).toBe(true);
        expect(allowed(prometheus, svc, 8080)).toBe(false);
        expect(allowed(controller, svc, 9464)).toBe(false);
      }
      expect(allowed(prometheus, pgAuth, 5432)).toBe(false);
    });

    it('lets each database be reached only by its service, its migrations and its standbys', () => {
      expect(allowed(auth, pgAuth, 5432)).toBe(true);
      expect(allowed(authJob, pgAuth, 5432)).toBe(true);
      expect(allowed(auth, pgAuthStandby, 5432)).toBe(true);
      expect(allowed(pgAuthStandby, pgAuth, 5432)).toBe(true);
      expect(allowed(api, pgAuth, 5432)).toBe(false);
      expect(allowed(apiJob, pgAuth, 5432)).toBe(false);
      for (const shard of [shard0, shard1, shard1Standby]) {
        expect(allowed(api, shard, 5432)).toBe(true);
        expect(allowed(apiJob, shard, 5432)).toBe(true);
        expect(allowed(auth, shard, 5432)).toBe(false);
        expect(allowed(authJob, shard, 5432)).toBe(false);
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
      expect(allowed(stranger, redis, 6379)).toBe(false);
      expect(allowed(controller, redis, 6379)).toBe(false);
    });
  });

  it('references only the Secrets cdk8s/README.md documents, with the documented keys', () => {
    const readme = readFileSync(join(root, 'cdk8s/README.md'), 'utf8');
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
      const text = find(objects, 'ConfigMap', 'prometheus-config').data['prometheus.yml'];
      const config = parse(text) as { scrape_configs: Record<string, unknown>[] };
      const [job] = config.scrape_configs;
      expect(job?.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: [NS] } }]);
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

  it('has nothing but the expected workloads', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      env === 'dev' ? ['api', 'auth', 'prometheus'] : ['api', 'auth'],
    );
    expect(services).toHaveLength(2);
  });
});

describe('the manifest linters reject bad input', () => {
  it('auth-url: ingress-nginx refuses %, @, ;, quotes and URLs without scheme or host', () => {
    expect(authUrlProblems(AUTH_URL)).toEqual([]);
    for (const bad of [
      'http://auth:8080/verify?x=%41',
      'http://user@auth:8080/verify',
      'http://auth:8080/verify;rm',
      'http://auth:8080/"verify"',
      "http://auth:8080/'verify'",
      'auth.shardgate.svc:8080/verify',
      'http:///verify',
      'http://auth..svc/verify',
      'http://$host/verify',
    ]) {
      expect(authUrlProblems(bad), bad).not.toEqual([]);
    }
  });

  it('auth-response-headers: every name must match ^[A-Za-z0-9_-]+$', () => {
    expect(authResponseHeadersProblems(HEADERS)).toEqual([]);
    expect(authResponseHeadersProblems('X-User-Id, X-User-Email')).toEqual([]);
    for (const bad of ['X-User-Id;X-Evil', 'X-User.Id', 'X-User-Id,X-"Role"', 'X-Üser']) {
      expect(authResponseHeadersProblems(bad), bad).not.toEqual([]);
    }
  });

  it('auth-cache-duration: codes before a time, a time required', () => {
    expect(authCacheDurationProblems('200 202 401 5m')).toEqual([]);
    expect(authCacheDurationProblems('200 5s, 401 1s')).toEqual([]);
    for (const bad of ['5m 200', '200 202', 'forever', '200;5m']) {
      expect(authCacheDurationProblems(bad), bad).not.toEqual([]);
    }
  });

  it('annotations: snippets and unknown nginx annotations are refused', () => {
    expect(
      nginxAnnotationProblems({ 'nginx.ingress.kubernetes.io/auth-snippet': 'return 200;' }),
    ).not.toEqual([]);
    expect(
      nginxAnnotationProblems({ 'nginx.ingress.kubernetes.io/configuration-snippet': 'x' }),
    ).not.toEqual([]);
    expect(
      nginxAnnotationProblems({ 'nginx.ingress.kubernetes.io/rewrite-target': '/' }),
    ).not.toEqual([]);
    expect(
      nginxAnnotationProblems({ 'nginx.ingress.kubernetes.io/proxy-body-size': '1m' }),
    ).toEqual([]);
    expect(
      nginxAnnotationProblems({ 'nginx.ingress.kubernetes.io/auth-method': 'FETCH' }),
    ).not.toEqual([]);
  });

  it('images: untagged and latest are refused, a registry port is not a tag', () => {
    expect(imageProblems('shardgate/api:0.1.0')).toEqual([]);
    expect(imageProblems(`postgres@sha256:${'a'.repeat(64)}`)).toEqual([]);
    for (const bad of ['postgres', 'postgres:latest', 'registry:5000/postgres', undefined]) {
      expect(imageProblems(bad), String(bad)).not.toEqual([]);
    }
  });

  it('pods: the restricted profile and resources are enforced per container', () => {
    const good: PodSpec = {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'c',
          securityContext: {
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          resources: { requests: { cpu: '1', memory: '1Mi' }, limits: { cpu: '1', memory: '1Mi' } },
        },
      ],
    };
    expect(restrictedProblems('good', good)).toEqual([]);
    expect(resourceProblems('good', good)).toEqual([]);
    const c = good.containers[0] as PodSpec['containers'][number];
    const variants: PodSpec[] = [
      { ...good, hostNetwork: true },
      { ...good, securityContext: {} },
      { ...good, volumes: [{ name: 'h', hostPath: { path: '/' } }] },
      { ...good, containers: [{ ...c, securityContext: undefined }] },
      { ...good, containers: [{ ...c, securityContext: { ...c.securityContext, runAsUser: 0 } }] },
      {
        ...good,
        containers: [
          { ...c, securityContext: { ...c.securityContext, allowPrivilegeEscalation: true } },
        ],
      },
      {
        ...good,
        containers: [{ ...c, securityContext: { ...c.securityContext, capabilities: {} } }],
      },
      {
        ...good,
        initContainers: [
          { ...c, securityContext: { ...c.securityContext, readOnlyRootFilesystem: false } },
        ],
      },
    ];
    for (const bad of variants) expect(restrictedProblems('bad', bad)).not.toEqual([]);
    expect(
      resourceProblems('bad', { containers: [{ ...c, resources: { requests: { cpu: '1' } } }] }),
    ).not.toEqual([]);
  });

  it('NetworkPolicy evaluation: unselected pods are open, selected ones closed but for rules', () => {
    const policy = (spec: unknown): K8sObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p', namespace: 'n' },
      spec,
    });
    const pod = (labels: Record<string, string>, namespace = 'n'): PodRef => ({
      namespace,
      namespaceLabels: nsLabels(namespace),
      labels,
      ports: { http: 80 },
    });
    const a = pod({ app: 'a' });
    const b = pod({ app: 'b' });
    const only = policy({
      podSelector: { matchLabels: { app: 'b' } },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ port: 'http' }] },
      ],
    });
    expect(ingressAllowed([], a, b, 80)).toBe(true);
    expect(ingressAllowed([only], a, b, 80)).toBe(true);
    expect(ingressAllowed([only], a, b, 81)).toBe(false);
    expect(ingressAllowed([only], b, b, 80)).toBe(false);
    expect(ingressAllowed([only], pod({ app: 'a' }, 'other'), b, 80)).toBe(false);
    expect(ingressAllowed([only], b, a, 80)).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['x'] }] }, {}),
    ).toBe(false);
  });
});
