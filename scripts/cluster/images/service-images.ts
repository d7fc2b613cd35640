import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_TAG } from '../../../cdk8s/src/names.js';
import { cacheDir } from '../cache.js';
import { podman, podmanBuild } from '../podman.js';
import { VERSIONS } from '../versions.js';
import type { BuiltImage } from './image-cache.js';
import { ensureNodeImage } from './node-image.js';
import { REPO_ROOT } from './recipe-paths.js';

/** The services that have an image, each built from `Dockerfile.<service>` at the repository root. */
export const SERVICES = ['auth', 'api'] as const;

/** One of {@link SERVICES}. */
export type ServiceName = (typeof SERVICES)[number];

/**
 * The reference the kubelet asks containerd for when a pod says `shardgate/<service>:<tag>`: the
 * CRI completes a name without a registry to Docker Hub's, `docker.io/shardgate/...`. podman
 * completes the same short name to `localhost/shardgate/...`, so the image carries both names and
 * the archive is saved under this one.
 */
export function serviceImageRef(service: ServiceName): string {
  return `docker.io/shardgate/${service}:${IMAGE_TAG}`;
}

/** podman's name for `shardgate/<service>:<tag>` (what `podman build -t shardgate/...` gives). */
export function podmanServiceRef(service: ServiceName): string {
  return `localhost/shardgate/${service}:${IMAGE_TAG}`;
}

/**
 * Fails when the Dockerfile's default base is not the Node.js stand-in this project builds: the
 * build would otherwise look for an image nobody made, or an older one left in podman's storage.
 */
function checkBaseImage(service: ServiceName): void {
  const dockerfile = readFileSync(join(REPO_ROOT, `Dockerfile.${service}`), 'utf8');
  const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
  const expected = `node:${VERSIONS.node}-bookworm-slim`;
  if (base !== expected) {
    throw new Error(
      `Dockerfile.${service}: ARG NODE_IMAGE=${base ?? '(none)'}, but the Node.js of this project is ${VERSIONS.node} (scripts/cluster/versions.ts): make it ${expected}`,
    );
  }
}

/**
 * The `podman build` arguments of `Dockerfile.<service>`, from the repository root
 * (`.dockerignore` applies), tagged `tags` and labelled `labels` (which override the Dockerfile's).
 * Checks first that the Dockerfile's base is the Node.js of this project.
 */
export function serviceBuildArgs(
  service: ServiceName,
  tags: readonly string[],
  labels: Readonly<Record<string, string>> = {},
): string[] {
  checkBaseImage(service);
  return [
    '--file',
    join(REPO_ROOT, `Dockerfile.${service}`),
    ...tags.flatMap((tag) => ['--tag', tag]),
    ...Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]),
    REPO_ROOT,
  ];
}

/**
 * Builds `Dockerfile.<service>` with podman on the node stand-in, and saves it as a docker-archive
 * under `~/.cache/shardgate/images/services/`.
 * Not cached by version, since the sources change: podman's layer cache makes a rebuild cheap
 * (npm ci runs again only when a manifest or the lockfile changed), and the archive is written
 * again only when the image changed.
 */
export async function buildServiceImage(service: ServiceName): Promise<BuiltImage> {
  const args = serviceBuildArgs(service, [podmanServiceRef(service), serviceImageRef(service)]);
  await ensureNodeImage();
  const ref = serviceImageRef(service);
  console.log(`building ${ref} from Dockerfile.${service}`);
  await podmanBuild(args);
  return { ref, archive: await saveIfChanged(ref) };
}

/** Saves `ref` as a docker-archive unless the archive already holds that very image. */
async function saveIfChanged(ref: string): Promise<string> {
  const archive = join(
    cacheDir('images', 'services'),
    `${ref.replace(/[^A-Za-z0-9._-]+/g, '_')}.tar`,
  );
  const idFile = `${archive}.id`;
  const { stdout } = await podman(['image', 'inspect', '--format', '{{.Id}}', ref]);
  const id = stdout.trim();
  if (existsSync(archive) && existsSync(idFile) && readFileSync(idFile, 'utf8') === id) {
    return archive;
  }
  const partial = `${archive}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  try {
    await podman(['save', '--format', 'docker-archive', '--output', partial, ref]);
    renameSync(partial, archive);
    writeFileSync(idFile, id);
  } finally {
    rmSync(partial, { force: true });
  }
  return archive;
}
