import type { IVolume, IVolumeMount } from 'kubernetes-models/v1';
import type { EnvironmentConfig, HstsPolicy } from '../environments.js';
import {
  databaseSecret,
  HTTP_PORT,
  METRICS_PORT,
  MFA_KEY_SECRET,
  redisSecret,
  type ServiceName,
  SIGNING_KEYS_DIR,
  SIGNING_KEYS_SECRET,
  serviceHost,
  shardPrimaryUrlKey,
} from '../names.js';
import { authMailWiring } from './auth-mail.js';
import type { ImageNaming } from './image-naming.js';

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

/**
 * `PUBLIC_ORIGINS` from {@link EnvironmentConfig.publicOrigins}; fails at synth, naming the prop,
 * on anything the auth service would refuse at start (a pod that never gets ready).
 */
export function publicOriginsSetting(origins: readonly string[]): string {
  if (origins.length === 0) throw new Error('publicOrigins: give at least one origin');
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin)
      throw new Error(`publicOrigins: ${origin} is not an http(s) origin (scheme://host[:port])`);
  }
  return origins.join(',');
}

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
    // The ingress controller is the one proxy in front: its X-Forwarded-For entry is the client,
    // its X-Forwarded-Proto the client's protocol (HSTS).
    TRUST_PROXY_HOPS: '1',
    ...hstsConfig(env.hsts),
  };
}

/** Longest HSTS `max-age` the services accept (`HSTS_MAX_AGE_SECONDS`): two years. */
const HSTS_MAX_AGE_LIMIT = 63_072_000;

/** The HSTS settings of an environment; none when it keeps the services' defaults. */
export function hstsConfig(hsts: HstsPolicy | 'off' | undefined): Record<string, string> {
  if (hsts === undefined) return {};
  if (hsts === 'off') return { HSTS_ENABLED: 'false' };
  const { maxAgeSeconds } = hsts;
  if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 0 || maxAgeSeconds > HSTS_MAX_AGE_LIMIT)
    throw new Error(`hsts.maxAgeSeconds must be 0 to ${HSTS_MAX_AGE_LIMIT}: ${maxAgeSeconds}`);
  return {
    HSTS_ENABLED: 'true',
    HSTS_MAX_AGE_SECONDS: String(maxAgeSeconds),
    HSTS_INCLUDE_SUBDOMAINS: String(hsts.includeSubdomains),
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
 * Node's heap settings for a container's memory limit (`NODE_OPTIONS`). Left alone, Node sizes V8's
 * heap from the limit itself (a 256Mi container gets a 259 MB heap), so V8 may grow its heap past
 * what the container can hold before it collects, and with so small a heap it picks tiny
 * young-generation semi-spaces (about 1 MB): the objects of each short-lived connection (the
 * ingress controller opens one per `/verify`) then outlive a scavenge and fill the old generation,
 * measured as 17 full collections a second and a sixth of the throughput. Half the limit goes to
 * the old generation; `semiSpaceMb` sizes the young generation (three semi-spaces at most), where
 * a service trades memory for CPU: the API's request objects live as long as its database round
 * trips, and 32 MB semi-spaces let them die young (0.37 ms of CPU per request in the API mix,
 * 0.47-0.50 ms at 8 or 16 MB); the auth service keeps its memory for cached sessions (8 MB). The
 * auth service's hashing process inherits the settings.
 */
export function nodeHeapOptionsWithin(
  memoryLimit: string | number | undefined,
  semiSpaceMb: number,
): string {
  if (memoryLimit === undefined) throw new Error('a service container needs a memory limit');
  const text = String(memoryLimit);
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(text);
  const factor: Record<string, number> = {
    '': 1 / 2 ** 20,
    Ki: 1 / 1024,
    Mi: 1,
    Gi: 1024,
    k: 1000 / 2 ** 20,
    M: 1e6 / 2 ** 20,
    G: 1e9 / 2 ** 20,
  };
  const mib = match ? Number(match[1]) * (factor[match[2] ?? ''] ?? Number.NaN) : Number.NaN;
  if (!Number.isFinite(mib) || mib < 128)
    throw new Error(`not a memory limit of 128Mi or more: ${text}`);
  const oldSpace = Math.floor(mib / 2);
  if (!Number.isInteger(semiSpaceMb) || semiSpaceMb < 1 || oldSpace + 3 * semiSpaceMb > mib)
    throw new Error(
      `semi-spaces of ${semiSpaceMb} MB do not fit beside the old generation in ${text}`,
    );
  return `--max-old-space-size=${oldSpace} --max-semi-space-size=${semiSpaceMb}`;
}

/** Young-generation semi-spaces per service, MB (see {@link nodeHeapOptionsWithin}). */
const SEMI_SPACE_MB = { auth: 8, api: 32 } as const;

/**
 * The auth and API services as the manifests run them. Settings follow
 * services/auth/src/config.ts and services/api/src/config.ts; secrets never appear here, only the
 * names of the Secrets that hold them (listed in cdk8s/README.md).
 */
export function serviceDefinitions(
  env: EnvironmentConfig,
  images: ImageNaming,
): Readonly<Record<ServiceName, ServiceDefinition>> {
  const mail = authMailWiring(env.mail);
  return {
    auth: {
      name: 'auth',
      image: images.service('auth'),
      command: ['node', 'services/auth/dist/main.js'],
      migrationsDir: 'services/auth/prisma/migrations',
      config: {
        ...commonConfig(env),
        NODE_ENV: 'production',
        AUTH_KEYS_DIR: SIGNING_KEYS_DIR,
        // Keys come from the Secret only; a pod must never invent its own.
        AUTH_GENERATE_DEV_KEY: 'false',
        ...(env.registrationsPerIp ? { REGISTRATIONS_PER_IP: String(env.registrationsPerIp) } : {}),
        PUBLIC_ORIGINS: publicOriginsSetting(env.publicOrigins),
        BCRYPT_CONCURRENCY: String(bcryptThreadsWithin(env.services.auth.resources.limits?.cpu)),
        NODE_OPTIONS: nodeHeapOptionsWithin(
          env.services.auth.resources.limits?.memory,
          SEMI_SPACE_MB.auth,
        ),
        ...mail.config,
      },
      secretEnvFrom: [
        databaseSecret('auth'),
        redisSecret('auth'),
        MFA_KEY_SECRET,
        ...mail.secretEnvFrom,
      ],
      migrationUrls: [{ secret: databaseSecret('auth'), key: 'DATABASE_URL' }],
      volumes: [
        {
          name: 'signing-keys',
          secret: { secretName: SIGNING_KEYS_SECRET, defaultMode: 0o440 },
        },
        ...mail.volumes,
      ],
      volumeMounts: [
        { name: 'signing-keys', mountPath: SIGNING_KEYS_DIR, readOnly: true },
        ...mail.volumeMounts,
      ],
    },
    api: {
      name: 'api',
      image: images.service('api'),
      command: ['node', 'services/api/dist/main.js'],
      migrationsDir: 'services/api/prisma/migrations',
      config: {
        ...commonConfig(env),
        // Through the auth Service, not the ingress: the NetworkPolicy lets api pods reach auth.
        AUTH_JWKS_URL: `http://${serviceHost('auth')}:${HTTP_PORT}/.well-known/jwks.json`,
        NODE_OPTIONS: nodeHeapOptionsWithin(
          env.services.api.resources.limits?.memory,
          SEMI_SPACE_MB.api,
        ),
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
