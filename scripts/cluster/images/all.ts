/**
 * Every container image the cluster runs, except Traefik, CoreDNS and the other add-ons (their
 * own builders): the stand-ins for third-party images, under the exact names the manifests use,
 * and the service images built from the Dockerfiles. docs/containers.md describes them.
 * @packageDocumentation
 */
import type { BuiltImage } from './image-cache.js';
import { ensureMailpitImage } from './mailpit-image.js';
import { ensureNodeImage } from './node-image.js';
import { ensurePauseImage } from './pause-image.js';
import { ensurePostgresImage } from './postgres-image.js';
import { ensurePrometheusImage } from './prometheus-image.js';
import { ensureRedisImage } from './redis-image.js';
import { buildServiceImage, SERVICES } from './service-images.js';

export type { BuiltImage } from './image-cache.js';

/** The stand-in builders by short name, in the order {@link ensureStandInImages} runs them. */
export const STAND_IN_BUILDERS: Readonly<Record<string, () => Promise<BuiltImage>>> = {
  pause: ensurePauseImage,
  node: ensureNodeImage,
  postgres: ensurePostgresImage,
  redis: ensureRedisImage,
  prometheus: ensurePrometheusImage,
  mailpit: ensureMailpitImage,
};

/**
 * Builds (or finds cached) every stand-in: `registry.k8s.io/pause`, `node`, `postgres`, `redis`,
 * `quay.io/prometheus/prometheus`, `docker.io/axllent/mailpit`. One at a time: the machines have two cores, and the builds
 * share the Debian base, which the first one makes.
 */
export async function ensureStandInImages(): Promise<BuiltImage[]> {
  const images: BuiltImage[] = [];
  for (const ensure of Object.values(STAND_IN_BUILDERS)) images.push(await ensure());
  return images;
}

/** Builds `shardgate/auth` and `shardgate/api` from their Dockerfiles (incrementally, with podman's layer cache). */
export async function buildServiceImages(): Promise<BuiltImage[]> {
  const images: BuiltImage[] = [];
  for (const service of SERVICES) images.push(await buildServiceImage(service));
  return images;
}
