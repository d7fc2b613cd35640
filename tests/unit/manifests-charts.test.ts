import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { helm, helmTemplate, renderChart } from '../support/helm-render.js';
import { type K8sObject, podSpecOf, schemaProblems } from '../support/k8s-manifests.js';
import {
  imageProblems,
  resourceProblems,
  restrictedProblems,
} from '../support/k8s-pod-security.js';
import { runInitdbScript } from '../support/k8s-postgres-initdb.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const chartsDir = join(root, 'charts');

// The charts that run pods, and the message each fails with when auth.existingSecret is missing.
// shardgate-monitoring renders only Prometheus Operator objects (tests/unit/monitoring-chart.test.ts).
const missingSecretMessage: Record<string, RegExp> = {
  'postgres-shard': /postgres-shard: auth\.existingSecret is required/,
  redis: /redis: auth\.existingSecret is required/,
};
const runsPods = (chart: string): boolean => chart in missingSecretMessage;

const render = renderChart;

/** Everything wrong with one rendered object: schema, restricted pod fields, resources, images. */
function objectProblems(object: K8sObject): string[] {
  const problems = schemaProblems(object);
  const pod = podSpecOf(object);
  if (!pod) return problems;
  const where = `${object.kind} ${object.metadata.name}`;
  if (pod.automountServiceAccountToken !== false) {
    problems.push(`${where}: automountServiceAccountToken is not false`);
  }
  problems.push(...restrictedProblems(where, pod), ...resourceProblems(where, pod));
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    problems.push(...imageProblems(c.image).map((p) => `${where} container ${c.name}: ${p}`));
  }
  return problems;
}

const charts = readdirSync(chartsDir)
  .filter((d) => statSync(join(chartsDir, d)).isDirectory())
  .sort();

describe('helm charts', () => {
  it('finds the charts', () => {
    expect(charts).toEqual(
      expect.arrayContaining(['postgres-shard', 'redis', 'shardgate-monitoring']),
    );
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
        expect(objects.flatMap(objectProblems)).toEqual([]);
        if (runsPods(name)) {
          expect(objects.length).toBeGreaterThan(0);
          expect(objects.filter((o) => podSpecOf(o)).length).toBeGreaterThan(0);
        }
      });
    });
  });
});

describe.each(Object.keys(missingSecretMessage))('%s without auth.existingSecret', (name) => {
  it('fails with a clear message', () => {
    const r = helm(['template', 'test', join('charts', name)]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(missingSecretMessage[name] as RegExp);
  });
});

describe.each([
  ['postgres-shard', 'two-standbys-values.yaml', 'docker.io/library/postgres'],
  ['redis', 'persistent-networkpolicy-values.yaml', 'docker.io/library/redis'],
])('%s image.digest', (name, scenario, repository) => {
  const images = (objects: K8sObject[]) =>
    new Set(
      objects.flatMap((o) => {
        const pod = podSpecOf(o);
        return pod ? [...(pod.initContainers ?? []), ...pod.containers].map((c) => c.image) : [];
      }),
    );

  it('pins every container to `repository:tag@digest`; without it the tag alone', () => {
    const pinned = images(render(`charts/${name}`, `charts/${name}/ci/${scenario}`));
    expect(pinned.size).toBe(1);
    expect([...pinned][0]).toMatch(
      new RegExp(`^${repository}:[^:@/]+@sha256:(0123456789abcdef){4}$`),
    );
    const plain = images(render(`charts/${name}`, `charts/${name}/ci/default-values.yaml`));
    expect([...plain]).toEqual([[...pinned][0]?.replace(/@.*$/, '').replace(/^.*\//, '')]);
  });

  it('refuses a digest that is not sha256 and 64 hex digits', () => {
    const r = helm([
      'template',
      'test',
      `charts/${name}`,
      '-f',
      `charts/${name}/ci/default-values.yaml`,
      '--set',
      'image.digest=sha256:abc',
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("'/image/digest'");
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
    const init = standby && podSpecOf(standby)?.initContainers?.[0];
    expect((init?.command as string[] | undefined)?.join(' ')).toMatch(
      /pg_basebackup [\s\S]*-R -X stream/,
    );
    const rw = byName.get('Service/test-postgres-shard-rw')?.spec?.selector as Record<
      string,
      string
    >;
    const ro = byName.get('Service/test-postgres-shard-ro')?.spec?.selector as Record<
      string,
      string
    >;
    // rw: the pod the topology ConfigMap names (a failover moves both); ro: the standbys
    expect(rw).toEqual({
      'app.kubernetes.io/name': 'postgres-shard',
      'app.kubernetes.io/instance': 'test',
      'statefulset.kubernetes.io/pod-name': 'test-postgres-shard-primary-0',
    });
    expect(byName.get('ConfigMap/test-postgres-shard-topology')?.data).toEqual({
      'primary-pod': 'test-postgres-shard-primary-0',
    });
    expect(ro['app.kubernetes.io/component']).toBe('standby');
    expect(
      byName.get('PodDisruptionBudget/test-postgres-shard-standby')?.spec?.maxUnavailable,
    ).toBe(1);
    // a drain waits for a planned switchover rather than stop the only writer
    expect(
      byName.get('PodDisruptionBudget/test-postgres-shard-primary')?.spec?.maxUnavailable,
    ).toBe(0);
    // primary and standbys prefer different nodes; only the standby's readiness asks for streaming
    const primary = byName.get('StatefulSet/test-postgres-shard-primary') as K8sObject;
    for (const set of [primary, standby as K8sObject]) {
      const term = podSpecOf(set)?.affinity as Record<string, Record<string, unknown[]>>;
      expect(term.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: 'kubernetes.io/hostname',
            labelSelector: {
              matchLabels: {
                'app.kubernetes.io/name': 'postgres-shard',
                'app.kubernetes.io/instance': 'test',
              },
              // the servers, not the backup Job's pod of the same release
              matchExpressions: [
                {
                  key: 'app.kubernetes.io/component',
                  operator: 'In',
                  values: ['primary', 'standby'],
                },
              ],
            },
          },
        },
      ]);
    }
    // one readiness and one prepare-data for both sets: a failover swaps their pods' roles
    const readiness = (set: K8sObject) =>
      JSON.stringify(podSpecOf(set)?.containers[0]?.readinessProbe);
    expect(readiness(standby as K8sObject)).toContain('pg_stat_wal_receiver');
    expect(readiness(primary)).toBe(readiness(standby as K8sObject));
    const prepare = (set: K8sObject) => podSpecOf(set)?.initContainers?.[0];
    expect(prepare(primary)?.command).toEqual(prepare(standby as K8sObject)?.command);
    const mayInitialise = (set: K8sObject) =>
      ((prepare(set)?.env ?? []) as Array<{ name: string; value?: string }>).find(
        (e) => e.name === 'MAY_INITIALISE',
      )?.value;
    expect([mayInitialise(primary), mayInitialise(standby as K8sObject)]).toEqual([
      'true',
      'false',
    ]);
  });

  it('moves the rw Service and the topology to the pod primaryPod names', () => {
    const objects = helmTemplate('test', 'charts/postgres-shard', [
      '-f',
      'charts/postgres-shard/ci/default-values.yaml',
      '--set',
      'primaryPod=test-postgres-shard-standby-0',
    ]);
    const rw = objects.find(
      (o) => o.kind === 'Service' && o.metadata?.name === 'test-postgres-shard-rw',
    );
    expect(rw?.spec?.selector?.['statefulset.kubernetes.io/pod-name']).toBe(
      'test-postgres-shard-standby-0',
    );
    const topology = objects.find((o) => o.metadata?.name === 'test-postgres-shard-topology');
    expect(topology?.data).toEqual({ 'primary-pod': 'test-postgres-shard-standby-0' });
  });

  it('pins primary and standbys to different nodes with antiAffinity hard, and none when asked', () => {
    for (const [mode, expected] of [
      ['hard', 'requiredDuringSchedulingIgnoredDuringExecution'],
      ['none', undefined],
    ] as const) {
      const r = helm([
        'template',
        'test',
        'charts/postgres-shard',
        '-f',
        'charts/postgres-shard/ci/default-values.yaml',
        '--set',
        `antiAffinity=${mode}`,
      ]);
      expect(r.status, r.stderr).toBe(0);
      if (expected) expect(r.stdout).toContain(expected);
      else expect(r.stdout).not.toContain('podAntiAffinity');
    }
  });
});

describe('postgres-shard initdb script', () => {
  it('creates the roles from passwords in the environment, never on a command line', () => {
    const objects = render('charts/postgres-shard', 'charts/postgres-shard/ci/default-values.yaml');
    const configMap = objects.find(
      (o) => o.kind === 'ConfigMap' && /-initdb$/.test(o.metadata.name),
    );
    const script = (configMap?.data as Record<string, string> | undefined)?.['10-replication.sh'];
    expect(script).toBeDefined();
    // Quotes, spaces and a $ must survive: psql's :'var' quoting, not the shell, handles them.
    const env = {
      POSTGRES_DB: 'shard9',
      APP_USER: 'app',
      APP_PASSWORD: `app pw'with "quotes" $HOME ${randomBytes(6).toString('hex')}`,
      REPLICATION_USER: 'replicator',
      REPLICATION_PASSWORD: `repl-${randomBytes(12).toString('hex')}`,
    };
    const run = runInitdbScript(script as string, env);
    try {
      expect(run.psqlArgv.length).toBeGreaterThan(0);
      for (const argv of run.psqlArgv) {
        for (const secret of [env.APP_PASSWORD, env.REPLICATION_PASSWORD]) {
          expect(argv.join(' ')).not.toContain(secret);
        }
      }
      expect(
        run.query(
          "SELECT rolname, rolcanlogin, rolreplication FROM pg_roles WHERE rolname IN ('app', 'replicator') ORDER BY 1",
        ),
      ).toBe('app|t|f\nreplicator|t|t');
      expect(
        run.query("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shard9'"),
      ).toBe('app');
      expect(run.hba).toMatch(/^host replication replicator all scram-sha-256$/m);
      // The stored passwords are the environment's: both roles log in with them, not without.
      const as = (user: string, password: string) => ({ user, password, database: 'shard9' });
      expect(run.query('SELECT current_user', as('app', env.APP_PASSWORD))).toBe('app');
      expect(run.query('SELECT current_user', as('replicator', env.REPLICATION_PASSWORD))).toBe(
        'replicator',
      );
      expect(() => run.query('SELECT 1', as('app', env.REPLICATION_PASSWORD))).toThrow(
        /password authentication failed/,
      );
    } finally {
      run.stop();
    }
  });
});
