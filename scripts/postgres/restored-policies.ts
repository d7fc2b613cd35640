/** Pods of one `postgres-shard` release, by role (the chart's labels). */
const pods = (release: string, component: string) => ({
  matchLabels: {
    'app.kubernetes.io/name': 'postgres-shard',
    'app.kubernetes.io/instance': release,
    'app.kubernetes.io/component': component,
  },
});

/**
 * The NetworkPolicies a restored release needs in a namespace that denies ingress by default (as
 * shardgate's does), the same as cdk8s gives each deployed cluster: its standbys → its primary,
 * and its backup pods → its primary, on the Postgres port. No client is admitted: a restored copy
 * serves nobody until an operator decides so.
 */
export function restoredReleasePolicies(
  release: string,
  namespace: string,
  labels: Readonly<Record<string, string>>,
  port: number,
): Record<string, unknown>[] {
  return (['standby', 'backup'] as const).map((from) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: `${release}-${from === 'standby' ? 'replication' : 'backup'}`,
      namespace,
      labels,
    },
    spec: {
      podSelector: pods(release, 'primary'),
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: pods(release, from) }], ports: [{ protocol: 'TCP', port }] },
      ],
    },
  }));
}
