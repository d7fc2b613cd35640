import type { IResourceRequirements } from 'kubernetes-models/v1';
import { LABEL_NAMESPACE_NAME, type ServiceName } from './names.js';

/** How one service runs in an environment. */
export interface ServiceSizing {
  /**
   * Fixed replica count. Leave undefined when {@link ServiceSizing.autoscaling} is set: a
   * `spec.replicas` in the manifest would reset the autoscaler's choice on every apply.
   */
  readonly replicas?: number;
  /** HorizontalPodAutoscaler bounds; none in dev (kind and minikube ship no metrics-server). */
  readonly autoscaling?: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    /** Average CPU use, in percent of the request, that the autoscaler aims for. */
    readonly targetCpuUtilization: number;
  };
  /** Requests and limits of the service container. */
  readonly resources: IResourceRequirements;
}

/** Sizing of the Postgres clusters and Redis rendered from charts/. */
export interface InfrastructureSizing {
  /** Hot standbys per Postgres cluster (each becomes a `*-ro` endpoint). */
  readonly postgresStandbys: number;
  /** Volume size of each Postgres instance. */
  readonly postgresStorage: string;
  /** Requests and limits of each Postgres instance. */
  readonly postgresResources: IResourceRequirements;
  /** Requests and limits of Redis. */
  readonly redisResources: IResourceRequirements;
  /**
   * The primary's pod of a Postgres cluster (`auth`, `shard0`, ...) that `npm run db:failover`
   * moved away from `postgres-<cluster>-primary-0`: record what it printed here, or the next
   * apply points the cluster's rw Service back at the old primary. Absent: `-primary-0`.
   */
  readonly postgresPrimaryPods?: Readonly<Record<string, string>>;
  /**
   * Scheduled base backups of every Postgres cluster to a volume of its own (the chart's
   * `backup`; docs/operations.md, "Backups").
   * @default none
   */
  readonly postgresBackup?: PostgresBackupSettings;
}

/** The backup CronJob of each Postgres cluster; its volume is sized from `postgresStorage`. */
export interface PostgresBackupSettings {
  /** Cron schedule, in UTC. */
  readonly schedule: string;
  /** Finished backups kept per cluster; the volume holds (keep + 1) copies of the data volume. */
  readonly keep: number;
}

/** How the Traefik ingress controller (`ingress-controller.k8s.yaml`) runs in an environment. */
export interface IngressControllerSizing {
  /** Traefik replicas; each holds the whole routing table, so any number serves every route. */
  readonly replicas: number;
  /** Requests and limits of the Traefik container. */
  readonly resources: IResourceRequirements;
  /**
   * How clients reach Traefik. `cluster-ip`: a ClusterIP Service (`kubectl port-forward`, the
   * local cluster). `load-balancer`: a Service `type: LoadBalancer` with
   * `externalTrafficPolicy: Local`, so the client's address reaches Traefik unchanged (per-IP
   * limits, docs/operations.md "Client addresses at the edge"), and replicas spread over nodes
   * strictly, since only nodes running a replica take traffic.
   */
  readonly exposure: 'cluster-ip' | 'load-balancer';
}

/**
 * The controller in front of the services; the NetworkPolicies admit that one alone.
 *
 * - `traefik`: our own Traefik (`ingress-controller.k8s.yaml`) serving the Ingresses of
 *   `ingress.k8s.yaml` with its Kubernetes Ingress NGINX provider;
 * - `ingress-nginx`: a cluster that runs ingress-nginx (retired) in namespace `ingress-nginx`;
 * - `gateway-api`: Envoy Gateway with `gateway-api.k8s.yaml`, whose own NetworkPolicy admits its
 *   proxies.
 */
export type EdgeConfig =
  | { readonly controller: 'traefik'; readonly traefik: IngressControllerSizing }
  | { readonly controller: 'ingress-nginx' }
  | { readonly controller: 'gateway-api' };

/**
 * How an operator-run Prometheus (kube-prometheus-stack, or the Prometheus Operator alone, in a
 * namespace of its own) watches the services. The same switch and defaults as the values of
 * charts/shardgate-monitoring.
 */
export interface MonitoringSettings {
  /**
   * Write `monitoring.k8s.yaml`: a PodMonitor per service and the PrometheusRule of
   * charts/shardgate-monitoring/files/alert-rules.yaml. Turn it on only where the operator's CRDs
   * (monitoring.coreos.com) are installed: a cluster without them refuses that file's apply.
   * @default false
   */
  readonly prometheusOperator?: boolean;
  /**
   * Labels added to the PodMonitors and the PrometheusRule for the operator's selectors:
   * kube-prometheus-stack selects `release: <its release name>` by default.
   * @default none
   */
  readonly resourceLabels?: Readonly<Record<string, string>>;
  /**
   * Labels of the namespace the operator's Prometheus runs in: the NetworkPolicy
   * `metrics-from-prometheus` admits its Prometheus pods ({@link MonitoringSettings.podLabels}) to
   * the metrics port, besides the namespace's own Prometheus. Must not be empty (an empty selector
   * would admit every namespace).
   * @default none: only the Prometheus of the shardgate namespace
   */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /**
   * Labels of the Prometheus pods in that namespace.
   * @default `app.kubernetes.io/name: prometheus`, which the operator gives its Prometheus pods
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * Put in front of each alert's `runbook_url` (a repository path, `docs/operations.md#<alert>`).
   * @default `rules.runbookBaseUrl` of charts/shardgate-monitoring/values.yaml
   */
  readonly runbookBaseUrl?: string;
  /**
   * Also run the Prometheus Operator itself and one Prometheus, in the namespace that
   * {@link MonitoringSettings.namespaceLabels} names (`prometheus-operator.k8s.yaml`), selecting
   * the objects of `monitoring.k8s.yaml`: for a cluster without kube-prometheus-stack (the local
   * cluster), so that the PodMonitors and the alerts are proven by the real operator. Needs
   * {@link MonitoringSettings.prometheusOperator} and a `kubernetes.io/metadata.name` namespace
   * label; the operator's CRDs are installed by the deploy step `prometheus-operator-crds`.
   * @default false
   */
  readonly runOperator?: boolean;
}

/** An SMTP server outside the namespace, as the auth service's `SMTP_*` settings describe it. */
export interface SmtpServer {
  readonly host: string;
  /** @default 465 with `implicit`, 587 with `starttls` (the service's own defaults) */
  readonly port?: number;
  /**
   * `implicit` (SMTPS) or `starttls` (required, never optional). Plain SMTP is not offered: the
   * services run with `NODE_ENV=production`, which refuses it to anything but loopback.
   */
  readonly tls: 'implicit' | 'starttls';
  /**
   * A key of a Secret holding the PEM certificate of the CA that signed the server's certificate,
   * for a server whose CA is not a public one Node.js trusts already (`NODE_EXTRA_CA_CERTS`).
   * @default none: Node.js's own CA list
   */
  readonly trustedCa?: { readonly secret: string; readonly key: string };
}

/**
 * Where the auth service's outbox delivers mail. Credentials (`SMTP_USER`, `SMTP_PASSWORD`) come
 * from the Secret `auth-smtp` in every environment (an empty Secret: a server without
 * authentication).
 */
export interface MailSettings {
  /** `MAIL_FROM`: `addr@domain` or `Name <addr@domain>`. */
  readonly from: string;
  /**
   * The server; `mailpit` deploys Mailpit in the namespace (`mailpit.k8s.yaml`: STARTTLS required
   * with a certificate of a CA made by tilt/dev-secrets.sh, SMTP authentication required) and
   * points the auth service at it.
   */
  readonly smtp: SmtpServer | 'mailpit';
}

/** Everything that differs between `dev` and `prod`; the charts read nothing else. */
/** `Strict-Transport-Security` of both services, sent only on requests that came over TLS. */
export interface HstsPolicy {
  /** `max-age` in seconds (at most two years); 0 makes browsers forget the policy. */
  readonly maxAgeSeconds: number;
  /** `includeSubDomains`: every host under the one that answered is held to https too. */
  readonly includeSubdomains: boolean;
}

export interface EnvironmentConfig {
  /** Also the output folder name under k8s/. */
  readonly name: 'dev' | 'prod';
  /**
   * Where the images come from. `local`: `shardgate/<service>:0.1.0` and the charts' own names, as
   * the local cluster and Tilt load them into the node. `release`: the registry, version and
   * digests of the release settings (`deploy/release.json`), without which synth fails.
   */
  readonly imageSource: 'local' | 'release';
  /** `iss` of the tokens and the public base URL of OpenID discovery. */
  readonly authIssuer: string;
  /**
   * `PUBLIC_ORIGINS` of the auth service: the origins of the browser apps, the only `Origin` a
   * cookie-authenticated unsafe request may come from and the only places a sign-in returns to
   * (docs/browser-sessions.md). Each `scheme://host[:port]`, as `URL.origin` spells it.
   */
  readonly publicOrigins: readonly string[];
  /** Host of the Ingress rules and Gateway listener; none matches every host. */
  readonly host?: string;
  /** TLS Secret for {@link EnvironmentConfig.host}; requires a host. */
  readonly tlsSecretName?: string;
  /** The API's Postgres shards, named as in the API's shard map (`shard0`, `shard1`, ...). */
  readonly shards: readonly string[];
  /** Per-service sizing. */
  readonly services: Readonly<Record<ServiceName, ServiceSizing>>;
  /** Infrastructure sizing. */
  readonly infrastructure: InfrastructureSizing;
  /** The edge: which controller serves the routes, and (Traefik) how it runs. */
  readonly edge: EdgeConfig;
  /** Deploy the operator-free Prometheus of prometheus.k8s.yaml. */
  readonly prometheus: boolean;
  /**
   * An operator-run Prometheus: its PodMonitors and alerts, and its namespace in the NetworkPolicy
   * of the metrics port.
   * @default nothing rendered, no other namespace admitted
   */
  readonly monitoring?: MonitoringSettings;
  /** `LOG_LEVEL` of both services. */
  readonly logLevel: 'debug' | 'info';
  /**
   * `REGISTRATIONS_PER_IP` of the auth service (registrations per client address per hour).
   * @default the service's own default, 10
   */
  readonly registrationsPerIp?: number;
  /** Mail of the auth service (verification, password reset, notices). */
  readonly mail: MailSettings;
  /**
   * HSTS of both services; `'off'` sends none (an edge that sets its own policy).
   * @default the services' own: on, one year, without subdomains
   */
  readonly hsts?: HstsPolicy | 'off';
}

const small = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({
  requests: { cpu, memory },
  limits: { cpu: cpuLimit, memory: memoryLimit },
});

/** kind or minikube on a laptop: one of everything, small requests, Prometheus included. */
export const dev: EnvironmentConfig = {
  name: 'dev',
  imageSource: 'local',
  // The same public base URL as the local stack's gateway, so tokens and docs read the same.
  authIssuer: 'http://127.0.0.1:8080',
  // a browser reaches the cluster's edge through a port-forward to this port, under either name
  publicOrigins: ['http://127.0.0.1:8080', 'http://localhost:8080'],
  shards: ['shard0', 'shard1'],
  services: {
    // bcrypt at cost 12 takes a core for ~250 ms: one hashing thread, and a core beside it for
    // the event loop (see bcryptThreadsWithin)
    auth: { replicas: 1, resources: small('100m', '128Mi', '2', '256Mi') },
    api: { replicas: 1, resources: small('100m', '128Mi', '500m', '256Mi') },
  },
  infrastructure: {
    postgresStandbys: 1,
    postgresStorage: '1Gi',
    postgresResources: small('100m', '128Mi', '500m', '512Mi'),
    redisResources: small('50m', '64Mi', '250m', '256Mi'),
    postgresBackup: { schedule: '30 2 * * *', keep: 7 },
  },
  // ingress-nginx is retired and its image cannot be had: Traefik serves the same Ingresses.
  edge: {
    controller: 'traefik',
    // Reached by `kubectl port-forward svc/traefik`: a laptop cluster has no load balancer.
    traefik: {
      replicas: 1,
      resources: small('100m', '64Mi', '500m', '256Mi'),
      exposure: 'cluster-ip',
    },
  },
  prometheus: true,
  // The dev Prometheus above scrapes by annotations; beside it, the Prometheus Operator runs in
  // `monitoring` with its own Prometheus, which finds the pods through the PodMonitors of
  // monitoring.k8s.yaml and loads the alerts, so the local cluster proves those objects.
  monitoring: {
    namespaceLabels: { [LABEL_NAMESPACE_NAME]: 'monitoring' },
    prometheusOperator: true,
    runOperator: true,
  },
  logLevel: 'debug',
  // Every client of a local cluster comes through one `kubectl port-forward`, so the gateway sees
  // them all at one address: the production limit of 10 an hour would stop a developer (and the
  // cluster suites) after ten accounts.
  registrationsPerIp: 1000,
  // A real SMTP exchange (STARTTLS, authentication) with an inbox the cluster suites read.
  mail: { from: 'shardgate <no-reply@shardgate.local>', smtp: 'mailpit' },
};

/** A production cluster: at least two replicas of each service behind autoscalers, TLS at the edge. */
export const prod: EnvironmentConfig = {
  name: 'prod',
  imageSource: 'release',
  // Placeholder domain: operators change host, issuer and TLS Secret together.
  authIssuer: 'https://shardgate.example.com',
  publicOrigins: ['https://shardgate.example.com'],
  host: 'shardgate.example.com',
  tlsSecretName: 'shardgate-tls',
  shards: ['shard0', 'shard1'],
  services: {
    auth: {
      autoscaling: { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 70 },
      resources: small('500m', '256Mi', '2', '512Mi'),
    },
    api: {
      autoscaling: { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 70 },
      resources: small('250m', '256Mi', '1', '512Mi'),
    },
  },
  infrastructure: {
    postgresStandbys: 1,
    postgresStorage: '20Gi',
    postgresResources: small('500m', '1Gi', '2', '2Gi'),
    redisResources: small('100m', '256Mi', '500m', '512Mi'),
    postgresBackup: { schedule: '30 2 * * *', keep: 7 },
  },
  // The controller proven on the local cluster, now with TLS (`tlsSecretName`) and a cloud load
  // balancer. Clusters that run ingress-nginx or Envoy Gateway set `edge` to that instead.
  edge: {
    controller: 'traefik',
    traefik: {
      // Two, so a node drain or a rollout always leaves one serving (the PDB allows one down).
      replicas: 2,
      resources: small('250m', '128Mi', '1', '512Mi'),
      exposure: 'load-balancer',
    },
  },
  prometheus: false,
  // kube-prometheus-stack's usual namespace. Set prometheusOperator (and resourceLabels with its
  // release) where its CRDs are installed: docs/operations.md.
  monitoring: { namespaceLabels: { [LABEL_NAMESPACE_NAME]: 'monitoring' } },
  logLevel: 'info',
  // Placeholders, like the host: the operator's relay, its submission port, STARTTLS required.
  mail: {
    from: 'shardgate <no-reply@shardgate.example.com>',
    smtp: { host: 'smtp.example.com', port: 587, tls: 'starttls' },
  },
  // Written out, so the policy a browser will hold for a year is read here. Subdomains only once
  // every host under `host` serves https: browsers would refuse plain HTTP to all of them.
  hsts: { maxAgeSeconds: 31_536_000, includeSubdomains: false },
};

/** Both environments, in output order. */
export const environments: readonly EnvironmentConfig[] = [dev, prod];
