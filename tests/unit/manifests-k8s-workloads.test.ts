import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isFullyQualified } from '../../cdk8s/src/lib/release-settings.js';
import {
  committedRelease,
  ENVIRONMENTS,
  environmentManifests,
  NS,
  TRAEFIK_NS,
} from '../support/k8s-environment.js';
import {
  findByAppName,
  findObject,
  type K8sObject,
  type Loose,
  type PodSpec,
  podLabelsOf,
  podSpecOf,
} from '../support/k8s-manifests.js';
import { selectorMatches } from '../support/k8s-network-policy.js';
import {
  imageProblems,
  resourceProblems,
  restrictedProblems,
} from '../support/k8s-pod-security.js';

// The pods of k8s/<env>: Pod Security, resources, images, tokens; the auth and api Deployments
// with their probes, drain, config, PDB, HPA; the migration Jobs.

/** The `app.kubernetes.io/name` of a workload's pods. */
const appName = (o: K8sObject) => podLabelsOf(o)['app.kubernetes.io/name'] ?? '';

/** JSON with sorted keys, computed here independently of cdk8s/src/lib/stable-hash.ts. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );

describe.each(ENVIRONMENTS)('k8s/%s workloads', (env) => {
  const { objects } = environmentManifests(env);
  const workloads = objects.filter((o) => podSpecOf(o));
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const jobs = objects.filter((o) => o.kind === 'Job');

  it('passes Pod Security "restricted" and sets requests and limits on every pod', () => {
    expect(workloads.map((w) => `${w.kind}/${appName(w) || w.metadata.name}`).sort()).toEqual(
      expect.arrayContaining([
        'CronJob/auth-cleanup',
        'Deployment/api',
        'Deployment/auth',
        'Job/api-migrations',
        'Job/auth-migrations',
        'StatefulSet/postgres-shard',
        'StatefulSet/redis',
        ...(env === 'dev' ? ['Deployment/prometheus', 'Deployment/traefik'] : []),
      ]),
    );
    expect(workloads.map((w) => w.metadata.name)).toEqual(
      expect.arrayContaining(['postgres-auth-primary', 'postgres-shard0-standby', 'redis']),
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

  it('cleans the auth database hourly, one run at a time, with its URL and nothing else', () => {
    const cron = objects.find((o) => o.kind === 'CronJob' && o.metadata.name === 'auth-cleanup');
    expect(cron?.spec).toMatchObject({
      schedule: '17 * * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      jobTemplate: { spec: { activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 86400 } },
    });
    const pod = podSpecOf(cron as K8sObject) as PodSpec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('auth-cleanup');
    expect(pod.containers.map((c) => [c.command, c.env, c.envFrom])).toEqual([
      [
        ['node', 'services/auth/dist/cli/cleanup.js'],
        [
          {
            name: 'DATABASE_URL',
            valueFrom: { secretKeyRef: { name: 'auth-database', key: 'DATABASE_URL' } },
          },
        ],
        undefined,
      ],
    ]);
  });

  it('runs the shardgate pods as uid 1000: dev on the images loaded into the node, prod on the release', () => {
    const own = workloads.filter((o) =>
      /^(auth|api)(-migrations)?$|^auth-cleanup$/.test(appName(o)),
    );
    expect(own).toHaveLength(5);
    const { settings } = committedRelease();
    const expected = (service: string) =>
      env === 'dev'
        ? `shardgate/${service}:0.1.0`
        : `${settings.registry}/${settings.repository}/${service}:${settings.version}@${
            settings.digests[service as 'auth' | 'api']
          }`;
    for (const w of own) {
      const pod = podSpecOf(w) as PodSpec;
      const service = appName(w).startsWith('api') ? 'api' : 'auth';
      expect(pod.securityContext?.runAsUser).toBe(1000);
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(c.securityContext?.runAsUser).toBe(1000);
        expect(c.image, `${appName(w)} ${c.name}`).toBe(expected(service));
      }
    }
  });

  it('mounts ServiceAccount tokens only in Prometheus (reads pods), Traefik and the Prometheus Operator (their own tests)', () => {
    const accounts = objects.filter((o) => o.kind === 'ServiceAccount');
    expect(accounts.length).toBeGreaterThanOrEqual(6);
    for (const sa of accounts)
      expect(sa.automountServiceAccountToken, sa.metadata.name).toBe(false);
    for (const w of workloads) {
      const pod = podSpecOf(w) as PodSpec;
      // Traefik runs in both environments (the edge), Prometheus and the operator in dev only.
      const expected =
        w.metadata.name === 'traefik' ||
        (env === 'dev' && ['prometheus', 'prometheus-operator'].includes(w.metadata.name));
      expect(pod.automountServiceAccountToken, w.metadata.name).toBe(expected);
    }
    // Traefik's and the operator's own are checked by their tests.
    const roles = objects.filter(
      (o) => o.kind === 'Role' && !['traefik', 'prometheus-operator'].includes(o.metadata.name),
    );
    if (env === 'dev') {
      // Prometheus discovers the pods of shardgate and of traefik, each by a Role of its own.
      expect(roles.map((r) => r.metadata.namespace).sort()).toEqual([NS, TRAEFIK_NS]);
      for (const role of roles) {
        expect(role.metadata.name).toBe('prometheus-pod-discovery');
        expect(role.rules).toEqual([
          { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
        ]);
        const binding = objects.find(
          (o) =>
            o.kind === 'RoleBinding' &&
            o.metadata.name === role.metadata.name &&
            o.metadata.namespace === role.metadata.namespace,
        );
        expect(binding?.subjects).toEqual([
          { kind: 'ServiceAccount', name: 'prometheus', namespace: NS },
        ]);
        expect(binding?.roleRef).toEqual({
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'Role',
          name: role.metadata.name,
        });
      }
    } else {
      // Only Traefik's own (checked in manifests-k8s-ingress-controller.test.ts): no Prometheus.
      const rbacKinds = ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'];
      expect(
        objects
          .filter((o) => rbacKinds.includes(o.kind))
          .map((o) => `${o.kind}/${o.metadata.name}`),
      ).toEqual([
        'ClusterRole/traefik',
        'ClusterRoleBinding/traefik',
        'Role/traefik',
        'RoleBinding/traefik',
      ]);
    }
  });

  it('covers every Deployment with exactly one PodDisruptionBudget of maxUnavailable 1', () => {
    expect(deployments.length).toBe(env === 'dev' ? 6 : 3);
    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
    for (const deployment of deployments) {
      const labels = podLabelsOf(deployment);
      const covering = pdbs.filter((p) => selectorMatches(p.spec.selector, labels));
      expect(
        covering.map((p) => [p.metadata.name, p.spec.maxUnavailable, p.spec.minAvailable]),
        deployment.metadata.name,
      ).toEqual([[deployment.metadata.name, 1, undefined]]);
    }
  });

  it('leaves a whole core of the auth container’s CPU limit to the event loop beside its bcrypt threads', () => {
    const pod = podSpecOf(findObject(objects, 'Deployment', 'auth')) as PodSpec;
    const container = pod.containers.find((c) => c.name === 'auth') as Record<string, Loose>;
    const config = findObject(objects, 'ConfigMap', 'auth-config').data as Record<string, string>;
    const limit = String(container.resources.limits.cpu);
    const cores = limit.endsWith('m') ? Number(limit.slice(0, -1)) / 1000 : Number(limit);
    const threads = Number(config.BCRYPT_CONCURRENCY);
    expect(threads).toBeGreaterThanOrEqual(1);
    expect(cores - threads).toBeGreaterThanOrEqual(1);
  });

  describe.each(['auth', 'api'])('Deployment %s', (name) => {
    const deployment = findObject(objects, 'Deployment', name);
    const pod = podSpecOf(deployment) as PodSpec;
    const container = pod.containers.find((c) => c.name === name) as Record<string, Loose>;
    const config = findObject(objects, 'ConfigMap', `${name}-config`).data as Record<
      string,
      string
    >;

    it('sizes the V8 heap within the container’s memory limit', () => {
      const limit = String(container.resources.limits.memory);
      expect(limit).toMatch(/^\d+Mi$/);
      const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(config.NODE_OPTIONS ?? '')?.[1]);
      expect(oldSpace).toBeGreaterThan(0);
      expect(oldSpace).toBeLessThanOrEqual(Number.parseInt(limit, 10) / 2);
      const semiSpace = Number(/--max-semi-space-size=(\d+)/.exec(config.NODE_OPTIONS ?? '')?.[1]);
      expect(semiSpace).toBeGreaterThan(0);
      expect(oldSpace + 3 * semiSpace).toBeLessThanOrEqual(Number.parseInt(limit, 10));
    });

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
        // the auth service's key for TOTP seeds (production requires one)
        // and its SMTP credentials
        ...(name === 'auth'
          ? [{ secretRef: { name: 'auth-mfa' } }, { secretRef: { name: 'auth-smtp' } }]
          : []),
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

    it('is selected by a Service on port 8080', () => {
      const service = findObject(objects, 'Service', name);
      expect(selectorMatches({ matchLabels: service.spec.selector }, podLabelsOf(deployment))).toBe(
        true,
      );
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
    const migrate = (service: string) =>
      (podSpecOf(findByAppName(objects, 'Job', `${service}-migrations`)) as PodSpec)
        .containers[0] as Record<string, Loose>;
    const urls = (c: Record<string, Loose>) =>
      c.env.find((e: { name: string }) => e.name === 'DATABASE_URLS').value;
    expect(urls(migrate('auth'))).toBe('$(DATABASE_URL)');
    expect(urls(migrate('api'))).toBe('$(SHARD_0_PRIMARY_URL),$(SHARD_1_PRIMARY_URL)');
    expect(migrate('api').command).toEqual([
      'node',
      'services/shared/dist/migrate/cli.js',
      'services/api/prisma/migrations',
    ]);
    // The wait initContainer polls exactly the databases its Job migrates.
    for (const name of ['auth', 'api']) {
      const init = (podSpecOf(findObject(objects, 'Deployment', name)) as PodSpec)
        .initContainers?.[0];
      expect(init?.env).toEqual(migrate(name).env);
    }
  });

  it('names each migration Job after a hash of its spec, so a new image is a new Job', () => {
    expect(jobs.map(appName).sort()).toEqual(['api-migrations', 'auth-migrations']);
    for (const job of jobs) {
      const hash = createHash('sha256').update(canonical(job.spec)).digest('hex').slice(0, 8);
      expect(job.metadata.name).toBe(`${appName(job)}-${hash}`);
      expect(job.metadata.labels?.['app.kubernetes.io/name']).toBe(appName(job));
      // Finished Jobs (one per image) are removed; a day leaves time to read a failure's logs.
      expect(job.spec.ttlSecondsAfterFinished).toBe(86_400);
      expect(podSpecOf(job)?.serviceAccountName).toBe(appName(job));
    }
  });
});

describe('k8s/prod images', () => {
  const workloads = environmentManifests('prod').objects.filter((o) => podSpecOf(o));
  const images = workloads.flatMap((w) => {
    const pod = podSpecOf(w) as PodSpec;
    return [...(pod.initContainers ?? []), ...pod.containers].map((c) => c.image ?? '');
  });

  it('names every image with its registry, and pins the shardgate ones by digest', () => {
    expect(new Set(images.map((i) => i.replace(/[:@].*$/, '')))).toEqual(
      new Set([
        'registry.example.com/shardgate/auth',
        'registry.example.com/shardgate/api',
        'docker.io/library/postgres',
        'docker.io/library/redis',
        'docker.io/library/traefik',
      ]),
    );
    for (const image of images) expect(isFullyQualified(image), image).toBe(true);
    for (const image of images.filter((i) => i.includes('/shardgate/'))) {
      expect(image).toMatch(/:0\.1\.0@sha256:[0-9a-f]{64}$/);
    }
  });
});
