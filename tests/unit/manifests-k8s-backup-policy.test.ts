import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, environmentManifests, NS } from '../support/k8s-environment.js';
import { findObject, podLabelsOf } from '../support/k8s-manifests.js';
import {
  ingressAllowed,
  namespaceLabels as nsLabels,
  type PodRef,
} from '../support/k8s-network-policy.js';

// The backup CronJob of each Postgres cluster in k8s/<env>: its pods reach their own cluster's
// servers on 5432 (the primary, through the rw Service, is whichever of them the last failover
// named) and nothing else; no other pod gains anything from the policy that admits them.

describe.each(ENVIRONMENTS)('k8s/%s backup CronJobs and their NetworkPolicies', (env) => {
  const { objects } = environmentManifests(env);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const inNs = (labels: Record<string, string>): PodRef => ({
    namespace: NS,
    namespaceLabels: nsLabels(NS),
    labels,
  });
  const podOf = (kind: string, name: string) =>
    inNs(podLabelsOf(findObject(objects, kind, name, NS)));
  const allowed = (from: PodRef, to: PodRef, port: number) =>
    ingressAllowed(policies, from, to, port);

  it.each(['auth', 'shard0', 'shard1'])(
    'postgres-%s: backups reach its own servers only',
    (cluster) => {
      const backup = podOf('CronJob', `postgres-${cluster}-backup`);
      const primary = podOf('StatefulSet', `postgres-${cluster}-primary`);
      const standby = podOf('StatefulSet', `postgres-${cluster}-standby`);
      expect(backup.labels['app.kubernetes.io/component']).toBe('backup');
      expect(allowed(backup, primary, 5432)).toBe(true);
      expect(allowed(backup, primary, 8080)).toBe(false);
      expect(allowed(backup, standby, 5432)).toBe(true);
      // backup pods admit nothing (not even each other)
      expect(allowed(primary, backup, 5432)).toBe(false);
      expect(allowed(backup, backup, 5432)).toBe(false);
      for (const other of ['auth', 'shard0', 'shard1'].filter((c) => c !== cluster)) {
        expect(allowed(backup, podOf('StatefulSet', `postgres-${other}-primary`), 5432)).toBe(
          false,
        );
      }
      expect(allowed(backup, podOf('StatefulSet', 'redis'), 6379)).toBe(false);
      // a pod that only claims to be another release's backup is not this one's
      expect(
        allowed(inNs({ ...backup.labels, 'app.kubernetes.io/instance': 'x' }), primary, 5432),
      ).toBe(false);
    },
  );

  it('gives each cluster a backup volume and a daily CronJob that never overlaps', () => {
    for (const cluster of ['auth', 'shard0', 'shard1']) {
      const cronJob = findObject(objects, 'CronJob', `postgres-${cluster}-backup`, NS);
      expect(cronJob.spec).toMatchObject({ schedule: '30 2 * * *', concurrencyPolicy: 'Forbid' });
      findObject(objects, 'PersistentVolumeClaim', `postgres-${cluster}-backups`, NS);
    }
  });
});
