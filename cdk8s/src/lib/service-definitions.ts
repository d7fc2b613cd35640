import type { IVolume, IVolumeMount } from 'kubernetes-models/v1';
import type { EnvironmentConfig } from '../environments.js';
import {
  databaseSecret,
  HTTP_PORT,
  IMAGE_TAG,
  METRICS_PORT,
  redisSecret,
  type ServiceName,
  SIGNING_KEYS_DIR,
  SIGNING_KEYS_SECRET,
  serviceHost,
  shardPrimaryUrlKey,
} from '../names.js';

/** One Secret key holding a database URL. */
export interface SecretUrlRef {
  readonly secret: string;
  readonly key: string;
}

/** What differs between the auth and the API service in their Kubernetes objects. */
export interface ServiceDefinition {
  readonly name: ServiceName;
  /** Pinned image reference. */
  readonly image: string;
  /** Container command, run from the image's WORKDIR `/app`. */
  readonly command: readonly string[];
  /** The service's migrations folder inside the image. */
  readonly migrationsDir: string;
  /** Non-secret settings, delivered by a ConfigMap (`envFrom`). */
  readonly config: Readonly<Record<string, string>>;
  /** Secrets whose keys are environment variable names (`envFrom`). */
  readonly secretEnvFrom: readonly string[];
  /** The primaries the migrations apply to, in order: they become `DATABASE_URLS`. */
  readonly migrationUrls: readonly SecretUrlRef[];
  /** Extra volumes of the service pods. */
  readonly volumes: readonly IVolume[];
  /** Mounts of {@link ServiceDefinition.volumes} in the service container. */
  readonly volumeMounts: readonly IVolumeMount[];
}

/**
 * Time readiness stays false while the service keeps serving after SIGTERM
 * (`SHUTDOWN_DRAIN_DELAY_MS`, the default of services/shared/src/config.ts). The pods' preStop sleep
 * is the same length: see constructs/service-workload.ts.
 */
export const SHUTDOWN_DRAIN_DELAY_SECONDS = 5;

/** Longest wait for in-flight requests after the listener closes (`SHUTDOWN_TIMEOUT_MS` default). */
export const SHUTDOWN_TIMEOUT_SECONDS = 25;

/** Settings both services take, as strings for a ConfigMap. */
function commonConfig(env: EnvironmentConfig): Record<string, string> {
  return {
    PORT: String(HTTP_PORT),
    METRICS_PORT: String(METRICS_PORT),
    LOG_LEVEL: env.logLevel,
    SHUTDOWN_DRAIN_DELAY_MS: String(SHUTDOWN_DRAIN_DELAY_SECONDS * 1000),
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_SECONDS * 1000),
    AUTH_ISSUER: env.authIssuer,
    AUTH_AUDIENCE: 'shardgate-api',
  };
}

/**
 * bcrypt threads that fit under a container's CPU limit with a core to spare. The threads run at
 * the lowest priority, but CFS quotas count every thread alike: threads that spent the whole quota
 * would have the event loop throttled with them until the next period.
 */
export function bcryptThreadsWithin(cpuLimit: string | number | undefined): number {
  if (cpuLimit === undefined) throw new Error('the auth container needs a CPU limit');
  const text = String(cpuLimit);
  const cores = text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
  if (!Number.isFinite(cores) || cores <= 0) throw new Error(`not a CPU quantity: ${text}`);
  return Math.max(1, Math.floor(cores) - 1);
}

/**
 * The auth and API services as the manifests run them. Settings follow
 * services/auth/src/config.ts and services/api/src/config.ts; secrets never appear here, only the
 * names of the Secrets that hold them (listed in cdk8s/README.md).
 */
export function serviceDefinitions(
  env: EnvironmentConfig,
): Readonly<Record<ServiceName, ServiceDefinition>> {
  return {
    auth: {
      name: 'auth',
      image: `shardgate/auth:${IMAGE_TAG}`,
      command: ['node', 'services/auth/dist/main.js'],
      migrationsDir: 'services/auth/prisma/migrations',
      config: {
        ...commonConfig(env),
        NODE_ENV: 'production',
        AUTH_KEYS_DIR: SIGNING_KEYS_DIR,
        // Keys come from the Secret only; a pod must never invent its own.
        AUTH_GENERATE_DEV_KEY: 'false',
        // The ingress controller is the one proxy in front: its X-Forwarded-For entry is the client.
        TRUST_PROXY_HOPS: '1',
        ...(env.registrationsPerIp ? { REGISTRATIONS_PER_IP: String(env.registrationsPerIp) } : {}),
        BCRYPT_CONCURRENCY: String(bcryptThreadsWithin(env.services.auth.resources.limits?.cpu)),
      },
      secretEnvFrom: [databaseSecret('auth'), redisSecret('auth')],
      migrationUrls: [{ secret: databaseSecret('auth'), key: 'DATABASE_URL' }],
      volumes: [
        {
          name: 'signing-keys',
          secret: { secretName: SIGNING_KEYS_SECRET, defaultMode: 0o440 },
        },
      ],
      volumeMounts: [{ name: 'signing-keys', mountPath: SIGNING_KEYS_DIR, readOnly: true }],
    },
    api: {
      name: 'api',
      image: `shardgate/api:${IMAGE_TAG}`,
      command: ['node', 'services/api/dist/main.js'],
      migrationsDir: 'services/api/prisma/migrations',
      config: {
        ...commonConfig(env),
        // Through the auth Service, not the ingress: the NetworkPolicy lets api pods reach auth.
        AUTH_JWKS_URL: `http://${serviceHost('auth')}:${HTTP_PORT}/.well-known/jwks.json`,
      },
      secretEnvFrom: [databaseSecret('api'), redisSecret('api')],
      migrationUrls: env.shards.map((shard) => ({
        secret: databaseSecret('api'),
        key: shardPrimaryUrlKey(shard),
      })),
      volumes: [],
      volumeMounts: [],
    },
  };
}
