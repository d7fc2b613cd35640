import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StatefulSet } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const chartsDir = join(root, 'charts');

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
  spec?: Record<string, unknown>;
};

// Every kind the charts render, mapped to its kubernetes-models class.
const models: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/StatefulSet': StatefulSet,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/ServiceAccount': ServiceAccount,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

// The message each chart fails with when auth.existingSecret is missing.
const missingSecretMessage: Record<string, RegExp> = {
  'postgres-shard': /postgres-shard: auth\.existingSecret is required/,
  redis: /redis: auth\.existingSecret is required/,
};

function helm(args: string[]) {
  const r = spawnSync('helm', args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function render(chart: string, scenario: string): Manifest[] {
  const r = helm(['template', 'test', chart, '-f', scenario]);
  expect(r.error).toBeUndefined();
  expect(r.status, r.stderr).toBe(0);
  const docs = parseAllDocuments(r.stdout);
  for (const d of docs) expect(d.errors, String(d.errors)).toEqual([]);
  return docs.map((d) => d.toJS() as Manifest | null).filter((m): m is Manifest => m != null);
}

type SecurityContext = {
  runAsNonRoot?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[] };
  seccompProfile?: { type?: string };
};
type Container = {
  name: string;
  image?: string;
  securityContext?: SecurityContext;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
};
type PodSpec = {
  securityContext?: SecurityContext;
  automountServiceAccountToken?: boolean;
  containers: Container[];
  initContainers?: Container[];
};

function podSpecOf(m: Manifest): PodSpec | undefined {
  const template = m.spec?.template as { spec?: PodSpec } | undefined;
  return template?.spec;
}

function checkPodSpec(where: string, pod: PodSpec) {
  expect(pod.automountServiceAccountToken, `${where} automountServiceAccountToken`).toBe(false);
  const podSc = pod.securityContext ?? {};
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const at = `${where} container ${c.name}`;
    const sc = c.securityContext ?? {};
    expect(sc.runAsNonRoot ?? podSc.runAsNonRoot, `${at} runAsNonRoot`).toBe(true);
    expect(sc.allowPrivilegeEscalation, `${at} allowPrivilegeEscalation`).toBe(false);
    expect(sc.capabilities?.drop ?? [], `${at} capabilities.drop`).toContain('ALL');
    expect((sc.seccompProfile ?? podSc.seccompProfile)?.type, `${at} seccompProfile`).toBe(
      'RuntimeDefault',
    );
    expect(c.resources?.requests, `${at} resources.requests`).toBeDefined();
    expect(c.resources?.limits, `${at} resources.limits`).toBeDefined();
    expect(Object.keys(c.resources?.requests ?? {}).sort(), `${at} requests`).toEqual([
      'cpu',
      'memory',
    ]);
    expect(Object.keys(c.resources?.limits ?? {}).sort(), `${at} limits`).toEqual([
      'cpu',
      'memory',
    ]);
    const image = c.image ?? '';
    const tag = /^[^@]+:([^:/@]+)$/.exec(image)?.[1];
    expect(tag, `${at} image ${image} has a tag`).toBeDefined();
    expect(tag, `${at} image ${image}`).not.toBe('latest');
  }
}

const charts = readdirSync(chartsDir)
  .filter((d) => statSync(join(chartsDir, d)).isDirectory())
  .sort();

describe('helm charts', () => {
  it('finds the charts', () => {
    expect(charts).toEqual(expect.arrayContaining(['postgres-shard', 'redis']));
  });

  describe.each(charts)('%s', (name) => {
    const chart = join('charts', name);
    const scenarios = readdirSync(join(chartsDir, name, 'ci'))
      .filter((f) => f.endsWith('.yaml'))
      .sort();

    it('has at least two ci scenarios', () => {
      expect(scenarios.length).toBeGreaterThanOrEqual(2);
      expect(scenarios).toContain('default-values.yaml');
    });

    describe.each(scenarios)('ci/%s', (file) => {
      const scenario = join(chart, 'ci', file);

      it('passes helm lint and helm lint --strict', () => {
        for (const extra of [[], ['--strict']]) {
          const r = helm(['lint', chart, '-f', scenario, ...extra]);
          expect(r.status, r.stdout + r.stderr).toBe(0);
        }
      });

      it('renders objects that pass schema validation and Pod Security "restricted"', () => {
        const objects = render(chart, scenario);
        expect(objects.length).toBeGreaterThan(0);
        let pods = 0;
        for (const m of objects) {
          const key = `${m.apiVersion}/${m.kind}`;
          const Model = models[key];
          if (!Model) throw new Error(`no kubernetes-models class mapped for ${key}`);
          expect(
            () => new Model(m as never).validate(),
            `${key} ${m.metadata?.name}`,
          ).not.toThrow();
          const pod = podSpecOf(m);
          if (pod) {
            pods++;
            checkPodSpec(`${m.kind} ${m.metadata?.name}`, pod);
          }
        }
        expect(pods).toBeGreaterThan(0);
      });
    });

    it('fails with a clear message when auth.existingSecret is not set', () => {
      const r = helm(['template', 'test', chart]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(missingSecretMessage[name] ?? /auth\.existingSecret is required/);
    });
  });
});

describe('postgres-shard specifics', () => {
  it('wires the standby to the primary and the services to the right pods', () => {
    const objects = render(
      'charts/postgres-shard',
      'charts/postgres-shard/ci/two-standbys-values.yaml',
    );
    const byName = new Map(objects.map((o) => [`${o.kind}/${o.metadata?.name}`, o]));
    const standby = byName.get('StatefulSet/test-postgres-shard-standby');
    expect(standby?.spec?.replicas).toBe(2);
    const init = podSpecOf(standby as Manifest)?.initContainers?.[0] as
      | (Container & { command?: string[] })
      | undefined;
    expect(init?.command?.join(' ')).toMatch(/pg_basebackup [\s\S]*-R -X stream/);
    const rw = byName.get('Service/test-postgres-shard-rw')?.spec?.selector as Record<
      string,
      string
    >;
    const ro = byName.get('Service/test-postgres-shard-ro')?.spec?.selector as Record<
      string,
      string
    >;
    expect(rw['app.kubernetes.io/component']).toBe('primary');
    expect(ro['app.kubernetes.io/component']).toBe('standby');
    expect(
      byName.get('PodDisruptionBudget/test-postgres-shard-standby')?.spec?.maxUnavailable,
    ).toBe(1);
  });
});
