import { describe, expect, it } from 'vitest';
import { dev, prod } from '../../cdk8s/src/environments.js';
import { localImages } from '../../cdk8s/src/lib/image-naming.js';
import { postgresReleaseValues } from '../../cdk8s/src/lib/postgres-release-values.js';
import { backupStorageFor } from '../../cdk8s/src/lib/postgres-sizing.js';
import { restoreJob } from '../../scripts/postgres/restore-job.js';
import { renderChart } from '../support/helm-render.js';
import {
  type ContainerSpec,
  type K8sObject,
  type PodSpec,
  podSpecOf,
} from '../support/k8s-manifests.js';
import { resourceProblems, restrictedProblems } from '../support/k8s-pod-security.js';

/**
 * The backup CronJob and volume of charts/postgres-shard as rendered by the real Helm: off by
 * default; when on, a restricted, non-overlapping, bounded Job that reaches the primary through
 * the rw Service with the replication password from the Secret (never in its command).
 */
const CHART = 'charts/postgres-shard';
const rendered = renderChart(CHART, `${CHART}/ci/backup-values.yaml`);
const find = (kind: string, name: string) =>
  rendered.find((o) => o.kind === kind && o.metadata.name === name) as K8sObject;
const cronJob = find('CronJob', 'test-postgres-shard-backup');
const jobTemplate = cronJob.spec?.jobTemplate as {
  spec: Record<string, unknown> & { template: K8sObject };
};
const jobSpec = jobTemplate.spec;
const pod = podSpecOf(cronJob) as PodSpec;
const container = pod.containers[0] as ContainerSpec;
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

describe('postgres-shard backup: off by default', () => {
  it('renders no CronJob and no volume without backup.enabled', () => {
    const kinds = renderChart(CHART, `${CHART}/ci/default-values.yaml`).map((o) => o.kind);
    expect(kinds).not.toContain('CronJob');
    expect(kinds).not.toContain('PersistentVolumeClaim');
  });
});

describe('postgres-shard backup CronJob', () => {
  it('never overlaps, is bounded in time and retries, and keeps a few finished Jobs', () => {
    expect(cronJob.spec).toMatchObject({
      schedule: '15 3 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(jobSpec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 21600 });
    expect(pod.restartPolicy).toBe('Never');
  });

  it('runs a restricted pod with requests and limits and no service account token', () => {
    expect(restrictedProblems('backup', pod)).toEqual([]);
    expect(resourceProblems('backup', pod)).toEqual([]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext?.runAsUser).toBe(999);
  });

  it('labels its pods component=backup (the NetworkPolicy admits exactly those)', () => {
    const { template } = jobSpec;
    expect(template.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'postgres-shard',
      'app.kubernetes.io/instance': 'test',
      'app.kubernetes.io/component': 'backup',
    });
  });

  it('backs up from the rw Service as the replication role, the password only in the environment', () => {
    const env = Object.fromEntries(
      ((container.env ?? []) as EnvVar[]).map((e) => [e.name, e.value ?? e.valueFrom]),
    );
    expect(env).toMatchObject({
      PRIMARY_HOST: 'test-postgres-shard-rw',
      PRIMARY_PORT: '5432',
      REPLICATION_USER: 'replicator',
      KEEP: '3',
      BACKUP_ROOT: '/backups',
      PGPASSWORD: { secretKeyRef: { name: 'shard1-postgres', key: 'replication-password' } },
    });
    const script = (container.command as string[])[2] as string;
    expect(script).toMatch(/pg_basebackup .*--no-password/s);
    expect(script).toMatch(/-Fp -X stream -c fast/);
    expect(script).toMatch(/pg_verifybackup/);
    expect(script).not.toMatch(/PGPASSWORD|password=/i);
    expect(container.args).toBeUndefined();
  });

  it('writes to its own volume, kept when the release is uninstalled', () => {
    const claim = find('PersistentVolumeClaim', 'test-postgres-shard-backups');
    expect(claim.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(claim.spec).toMatchObject({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '16Gi' } },
    });
    expect(pod.volumes).toContainEqual({
      name: 'backups',
      persistentVolumeClaim: { claimName: 'test-postgres-shard-backups' },
    });
    expect(container.volumeMounts).toContainEqual({ name: 'backups', mountPath: '/backups' });
  });
});

describe('backups in the environments', () => {
  it('are on in dev and prod, the volume sized for keep + 1 full copies', () => {
    for (const env of [dev, prod]) {
      const values = postgresReleaseValues(env, localImages(), 'shard0');
      expect(values.backup).toMatchObject({ enabled: true, keep: 7, schedule: '30 2 * * *' });
    }
    expect(backupStorageFor('1Gi', 7)).toBe('8Gi');
    expect(backupStorageFor('20Gi', 7)).toBe('160Gi');
    expect(backupStorageFor('512Mi', 2)).toBe('1536Mi');
  });
});

describe('the restore Job of npm run db:restore', () => {
  const job = restoreJob({
    name: 'y-restore',
    namespace: 'ns',
    labels: { 'app.kubernetes.io/instance': 'y' },
    image: 'postgres:15.20-bookworm',
    backupClaim: 'x-backups',
    dataClaim: 'data-y-primary-0',
    backup: '',
  }) as unknown as K8sObject;
  const restorePod = podSpecOf(job) as PodSpec;

  it('is a restricted, single-attempt pod that mounts the backups read-only', () => {
    expect(restrictedProblems('restore', restorePod)).toEqual([]);
    expect(resourceProblems('restore', restorePod)).toEqual([]);
    expect(restorePod.automountServiceAccountToken).toBe(false);
    expect(job.spec?.backoffLimit).toBe(0);
    expect(restorePod.volumes).toContainEqual({
      name: 'claim-0',
      persistentVolumeClaim: { claimName: 'x-backups', readOnly: true },
    });
    expect(restorePod.containers[0]?.volumeMounts).toContainEqual({
      name: 'claim-0',
      mountPath: '/backups',
      readOnly: true,
    });
  });

  it('accepts only backup names of the CronJob’s form', () => {
    const props = {
      name: 'y-restore',
      namespace: 'ns',
      labels: {},
      image: 'i:1',
      backupClaim: 'x-backups',
      dataClaim: 'd',
    };
    expect(() => restoreJob({ ...props, backup: '../etc' })).toThrow(/not a backup name/);
    expect(() => restoreJob({ ...props, backup: 'base-20261204T193000Z' })).not.toThrow();
  });
});
