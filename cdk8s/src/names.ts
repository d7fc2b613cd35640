/**
 * Names other parts of the project rely on (Tilt, the docs, the manifest tests). They are fixed
 * here once and documented in cdk8s/README.md.
 * @packageDocumentation
 */

/** The namespace of everything shardgate runs, in every environment. */
export const NAMESPACE = 'shardgate';

/** Tag of the shardgate images in the manifests; Tilt substitutes its own builds. Never `latest`. */
export const IMAGE_TAG = '0.1.0';

/** Port every service listens on (`PORT`), named `http` in pods and Services. */
export const HTTP_PORT = 8080;

/** Port of `/metrics` (`METRICS_PORT`), named `metrics`; never routed by a Service or Ingress. */
export const METRICS_PORT = 9464;

/** Name of {@link METRICS_PORT} in the pods: what the annotations and the PodMonitors scrape. */
export const METRICS_PORT_NAME = 'metrics';

/** Path of the services' metrics on {@link METRICS_PORT}. */
export const METRICS_PATH = '/metrics';

/** Postgres port of every `postgres-shard` release. */
export const POSTGRES_PORT = 5432;

/** Redis port of the `redis` release. */
export const REDIS_PORT = 6379;

/** Namespace of the ingress-nginx controller (its `kubernetes.io/metadata.name` label). */
export const INGRESS_NGINX_NAMESPACE = 'ingress-nginx';

/**
 * Namespace of the Traefik ingress controller (`ingress-controller.k8s.yaml`), which serves the
 * unchanged ingress-nginx Ingresses with its Kubernetes Ingress NGINX provider.
 */
export const TRAEFIK_NAMESPACE = 'traefik';

/** `ingressClassName` of our Ingresses: ingress-nginx's class, which Traefik's provider also serves. */
export const INGRESS_CLASS = 'nginx';

/** `spec.controller` of {@link INGRESS_CLASS}: ingress-nginx's; Traefik's provider matches on it. */
export const INGRESS_NGINX_CONTROLLER = 'k8s.io/ingress-nginx';

/** Namespace of Envoy Gateway's proxies, for the Gateway API alternative. */
export const ENVOY_GATEWAY_NAMESPACE = 'envoy-gateway-system';

/** Label keys used for selection; the values are the component names below. */
export const LABEL_NAME = 'app.kubernetes.io/name';
/** @see LABEL_NAME */
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
/** @see LABEL_NAME */
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
/** Label every namespace carries (set by the API server), used in namespace selectors. */
export const LABEL_NAMESPACE_NAME = 'kubernetes.io/metadata.name';

/** The two shardgate services; each has a Deployment, a Service and a migration Job. */
export type ServiceName = 'auth' | 'api';

/** Headers `/verify` answers with and the gateway copies to the API; exactly these five. */
export const AUTH_RESPONSE_HEADERS = [
  'X-User-Id',
  'X-User-Email',
  'X-User-Email-Verified',
  'X-User-Role',
  'X-Session-Id',
] as const;

/** The Helm release (and resource name prefix) of a Postgres cluster: `postgres-auth`, `postgres-shard0`. */
export const postgresRelease = (cluster: string): string => `postgres-${cluster}`;

/** The Secret holding a Postgres cluster's passwords (keys per charts/postgres-shard). */
export const postgresCredentialsSecret = (cluster: string): string =>
  `${postgresRelease(cluster)}-credentials`;

/** Release name of the Redis chart; also its Service name. */
export const REDIS_RELEASE = 'redis';

/** The Secret holding Redis's password (key `redis-password`). */
export const REDIS_CREDENTIALS_SECRET = 'redis-credentials';

/** Secret of a service's database URLs (`auth-database`, `api-database`). */
export const databaseSecret = (service: ServiceName): string => `${service}-database`;

/** Secret of a service's `REDIS_URL` (`auth-redis`, `api-redis`). */
export const redisSecret = (service: ServiceName): string => `${service}-redis`;

/** Secret of the auth service's signing keys, one `<kid>.jwk.json` per key. */
export const SIGNING_KEYS_SECRET = 'auth-signing-keys';

/** Secret of the key that encrypts TOTP seeds at rest (key `MFA_ENCRYPTION_KEY`, envFrom). */
export const MFA_KEY_SECRET = 'auth-mfa';

/** Where the signing keys are mounted in auth pods (`AUTH_KEYS_DIR`). */
export const SIGNING_KEYS_DIR = '/var/run/secrets/shardgate/keys';

/** Secret of the auth service's SMTP credentials (`SMTP_USER`, `SMTP_PASSWORD`; envFrom). */
export const SMTP_CREDENTIALS_SECRET = 'auth-smtp';

/** Where the auth container finds the CA that signed its SMTP server's certificate, when one is set. */
export const SMTP_CA_DIR = '/var/run/secrets/shardgate/smtp-ca';

/** Name of the dev environment's Mailpit objects and `app.kubernetes.io/name` of its pod. */
export const MAILPIT_NAME = 'mailpit';

/** Mailpit's SMTP port (STARTTLS required) and its HTTP port (web UI and API, port-forward only). */
export const MAILPIT_SMTP_PORT = 1025;
export const MAILPIT_HTTP_PORT = 8025;

/**
 * The Mailpit image of the dev environment: upstream's name, which the local cluster's stand-in
 * carries (its version is `mailpit` in scripts/cluster/versions.ts; a unit test keeps them equal).
 */
export const MAILPIT_IMAGE = 'docker.io/axllent/mailpit:v1.33.1';

/** Secret of Mailpit's certificate (`tls.crt`, `tls.key`) and of the CA that signed it (`ca.crt`). */
export const MAILPIT_TLS_SECRET = 'mailpit-tls';

/** Secret of Mailpit's SMTP password file (`smtp-users`), made with `auth-smtp` by tilt/dev-secrets.sh. */
export const MAILPIT_USERS_SECRET = 'mailpit-smtp-users';

/** The `app.kubernetes.io/name` of a service's migration Job pods. */
export const migrationsName = (service: ServiceName): string => `${service}-migrations`;

/** The in-cluster DNS name of a Service of the namespace. */
export const serviceHost = (service: string): string => `${service}.${NAMESPACE}.svc.cluster.local`;

/** `SHARD_<n>_PRIMARY_URL`, as services/api/src/config.ts reads it for shard `shard<n>`. */
export const shardPrimaryUrlKey = (shard: string): string =>
  `SHARD_${shard.slice('shard'.length)}_PRIMARY_URL`;

/** `SHARD_<n>_REPLICA_URLS`, as services/api/src/config.ts reads it. */
export const shardReplicaUrlsKey = (shard: string): string =>
  `SHARD_${shard.slice('shard'.length)}_REPLICA_URLS`;

/** The Prometheus Operator's release: its image, its config reloader's, and the CRDs installed. */
export const PROMETHEUS_OPERATOR_VERSION = 'v0.85.0';
