import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  type INetworkPolicyPeer,
  type INetworkPolicyPort,
  type INetworkPolicySpec,
  NetworkPolicy,
} from 'kubernetes-models/networking.k8s.io/v1';
import { CLEANUP_COMPONENT, CLEANUP_NAME } from '../constructs/cleanup-cron-job.js';
import { MAILPIT_COMPONENT } from '../constructs/dev-mailpit.js';
import { PROMETHEUS_NAME } from '../constructs/dev-prometheus.js';
import { MIGRATIONS_COMPONENT } from '../constructs/migration-job.js';
import { SERVER_COMPONENT } from '../constructs/service-workload.js';
import {
  INGRESS_CONTROLLER_COMPONENT,
  TRAEFIK_NAME,
} from '../constructs/traefik-ingress-controller.js';
import type { EdgeConfig, EnvironmentConfig } from '../environments.js';
import { addModel } from '../lib/add-model.js';
import { selectorLabels } from '../lib/labels.js';
import { operatorPrometheus } from '../lib/operator-prometheus.js';
import {
  HTTP_PORT,
  INGRESS_NGINX_NAMESPACE,
  LABEL_COMPONENT,
  LABEL_NAME,
  LABEL_NAMESPACE_NAME,
  LABEL_PART_OF,
  MAILPIT_NAME,
  MAILPIT_SMTP_PORT,
  METRICS_PORT,
  migrationsName,
  NAMESPACE,
  POSTGRES_PORT,
  postgresRelease,
  REDIS_PORT,
  REDIS_RELEASE,
  type ServiceName,
  TRAEFIK_NAMESPACE,
} from '../names.js';

/** Props of {@link NetworkPoliciesChart}. */
export interface NetworkPoliciesChartProps {
  readonly env: EnvironmentConfig;
}

const server = (service: ServiceName): INetworkPolicyPeer => ({
  podSelector: { matchLabels: selectorLabels(service, SERVER_COMPONENT) },
});
const migrations = (service: ServiceName): INetworkPolicyPeer => ({
  podSelector: { matchLabels: selectorLabels(migrationsName(service), MIGRATIONS_COMPONENT) },
});
/** The auth database's cleanup CronJob pods. */
const cleanup: INetworkPolicyPeer = {
  podSelector: { matchLabels: selectorLabels(CLEANUP_NAME, CLEANUP_COMPONENT) },
};
const ingressNginx: INetworkPolicyPeer = {
  namespaceSelector: { matchLabels: { [LABEL_NAMESPACE_NAME]: INGRESS_NGINX_NAMESPACE } },
};
/** The Traefik pods of `ingress-controller.k8s.yaml` (that namespace, those pods only). */
const traefik: INetworkPolicyPeer = {
  namespaceSelector: { matchLabels: { [LABEL_NAMESPACE_NAME]: TRAEFIK_NAMESPACE } },
  podSelector: { matchLabels: selectorLabels(TRAEFIK_NAME, INGRESS_CONTROLLER_COMPONENT) },
};
const tcp = (port: number): INetworkPolicyPort[] => [{ protocol: 'TCP', port }];

/**
 * Who may reach auth and api from outside the namespace: the edge in use and nothing else. The
 * Gateway API edge brings its own policy in `gateway-api.k8s.yaml` (applied with it), so none
 * here: a retired or absent controller's namespace stays shut.
 */
function edgePeers(edge: EdgeConfig): INetworkPolicyPeer[] {
  switch (edge.controller) {
    case 'traefik':
      return [traefik];
    case 'ingress-nginx':
      return [ingressNginx];
    case 'gateway-api':
      return [];
  }
}

/** The labels of every pod of one `postgres-shard` release (set by charts/postgres-shard). */
const releaseLabels = (cluster: string) => ({
  [LABEL_NAME]: 'postgres-shard',
  'app.kubernetes.io/instance': postgresRelease(cluster),
});

/** The servers of one release: its primary and standby StatefulSets' pods, whichever is primary. */
const postgresPods = (cluster: string) => ({
  matchLabels: releaseLabels(cluster),
  matchExpressions: [{ key: LABEL_COMPONENT, operator: 'In', values: ['primary', 'standby'] }],
});

/** The pods of one release's backup CronJob. */
const postgresBackups = (cluster: string) => ({
  matchLabels: { ...releaseLabels(cluster), [LABEL_COMPONENT]: 'backup' },
});

/**
 * Ingress NetworkPolicies of the namespace: deny by default, then allow exactly
 *
 * - the edge in use ({@link EdgeConfig}) → auth and api on 8080 (the only way in from outside):
 *   the Traefik pods of `ingress-controller.k8s.yaml`, or the namespace of ingress-nginx; the
 *   Gateway API edge's policy is in `gateway-api.k8s.yaml`;
 * - api → auth on 8080 (JWKS);
 * - Prometheus → auth and api on 9464: the namespace's own, and the operator's Prometheus pods of
 *   the monitoring namespace the environment names (`monitoring.namespaceLabels`);
 * - each service and its migration Job → its own Postgres clusters on 5432 (auth → the auth
 *   database, api → every shard), the auth cleanup CronJob → the auth database, each server pod
 *   of a Postgres cluster → the others on 5432 (streaming replication, whichever pod a failover
 *   made the primary), and each cluster's backup CronJob → its servers (it reaches the primary);
 * - auth and api → Redis on 6379;
 * - auth → the dev environment's Mailpit on its SMTP port (its web UI: no pod at all).
 *
 * Egress is not restricted: an egress allow-list needs the cluster's DNS and API-server addresses,
 * which differ between kind, minikube and production clusters and cannot be tested here. The
 * ingress rules above already keep every database reachable only by its services.
 */
export class NetworkPoliciesChart extends Chart {
  constructor(scope: Construct, id: string, props: NetworkPoliciesChartProps) {
    super(scope, id, { namespace: NAMESPACE });
    const labels = { [LABEL_PART_OF]: 'shardgate' };
    const edge = edgePeers(props.env.edge);
    const policy = (name: string, spec: INetworkPolicySpec) =>
      addModel(this, new NetworkPolicy({ metadata: { name, labels }, spec }));

    policy('default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
    policy('auth-http', {
      podSelector: { matchLabels: selectorLabels('auth', SERVER_COMPONENT) },
      policyTypes: ['Ingress'],
      ingress: [{ from: [...edge, server('api')], ports: tcp(HTTP_PORT) }],
    });
    // Only with a peer: a rule with an empty `from` would admit every source.
    if (edge.length > 0) {
      policy('api-http', {
        podSelector: { matchLabels: selectorLabels('api', SERVER_COMPONENT) },
        policyTypes: ['Ingress'],
        ingress: [{ from: edge, ports: tcp(HTTP_PORT) }],
      });
    }
    policy('metrics-from-prometheus', {
      podSelector: {
        matchLabels: { [LABEL_COMPONENT]: SERVER_COMPONENT },
        matchExpressions: [{ key: LABEL_NAME, operator: 'In', values: ['auth', 'api'] }],
      },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            { podSelector: { matchLabels: { [LABEL_NAME]: PROMETHEUS_NAME } } },
            ...operatorPrometheus(props.env.monitoring),
          ],
          ports: tcp(METRICS_PORT),
        },
      ],
    });

    const owners: [string, ServiceName][] = [
      ['auth', 'auth'],
      ...props.env.shards.map((shard): [string, ServiceName] => [shard, 'api']),
    ];
    for (const [cluster, service] of owners) {
      policy(`${postgresRelease(cluster)}-clients`, {
        podSelector: postgresPods(cluster),
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [server(service), migrations(service), ...(service === 'auth' ? [cleanup] : [])],
            ports: tcp(POSTGRES_PORT),
          },
        ],
      });
      // every pod of the release may stream from every other: a failover makes a standby pod
      // the primary and the former primary's pod its standby
      policy(`${postgresRelease(cluster)}-replication`, {
        podSelector: postgresPods(cluster),
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ podSelector: postgresPods(cluster) }],
            ports: tcp(POSTGRES_PORT),
          },
        ],
      });
    }

    // Each cluster's backup CronJob pods → its servers (pg_basebackup as the replication role,
    // through the rw Service: the primary, whichever pod a failover made it).
    if (props.env.infrastructure.postgresBackup) {
      for (const [cluster] of owners) {
        policy(`${postgresRelease(cluster)}-backup`, {
          podSelector: postgresPods(cluster),
          policyTypes: ['Ingress'],
          ingress: [
            { from: [{ podSelector: postgresBackups(cluster) }], ports: tcp(POSTGRES_PORT) },
          ],
        });
      }
    }

    policy(`${REDIS_RELEASE}-clients`, {
      podSelector: {
        matchLabels: { [LABEL_NAME]: REDIS_RELEASE, 'app.kubernetes.io/instance': REDIS_RELEASE },
      },
      policyTypes: ['Ingress'],
      ingress: [{ from: [server('auth'), server('api')], ports: tcp(REDIS_PORT) }],
    });

    if (props.env.mail.smtp === 'mailpit') {
      policy(`${MAILPIT_NAME}-smtp`, {
        podSelector: { matchLabels: selectorLabels(MAILPIT_NAME, MAILPIT_COMPONENT) },
        policyTypes: ['Ingress'],
        ingress: [{ from: [server('auth')], ports: tcp(MAILPIT_SMTP_PORT) }],
      });
    }
  }
}
