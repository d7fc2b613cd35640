import { IMAGE_TAG, type ServiceName } from '../names.js';
import {
  isFullyQualified,
  RELEASED_SERVICES,
  type ReleaseSettings,
  shownPath,
} from './release-settings.js';

/** A third-party image as the manifests are to name it: its repository and, when pinned, its digest. */
export interface ThirdPartyImage {
  readonly repository: string;
  readonly digest?: string;
}

/** How one environment names its images (`EnvironmentConfig.imageSource`). */
export interface ImageNaming {
  /** The reference of a shardgate service's image. */
  service(name: ServiceName): string;
  /** A third-party image, given as its chart names it (`postgres`, `15.20-bookworm`). */
  thirdParty(repository: string, tag: string): ThirdPartyImage;
  /**
   * Throws when the settings pin a third-party image that no manifest asked for (an image's
   * version changed, its digest did not). Call once every chart is built.
   */
  checkPinsUsed(): void;
}

/**
 * The images a local cluster loads itself (dev): `shardgate/<service>:0.1.0` as podman builds them
 * and `npm run cluster -- deploy` or Tilt load them into the node, and the third-party images
 * under the charts' own names, which the local cluster's stand-ins carry. Nothing is pulled.
 */
export function localImages(): ImageNaming {
  return {
    service: (name) => `shardgate/${name}:${IMAGE_TAG}`,
    thirdParty: (repository) => ({ repository }),
    checkPinsUsed: () => undefined,
  };
}

/**
 * The images of a release (prod): `<registry>/<repository>/<service>:<version>@<digest>` from the
 * settings, and every third-party image fully qualified (`postgres` → `docker.io/library/postgres`,
 * as engines complete it) and pinned by the settings' digest for its name and tag, if any.
 * @param path the settings file, named in errors
 * @throws Error when a service's digest is missing: `npm run release` records them
 */
export function releaseImages(settings: ReleaseSettings, path: string): ImageNaming {
  const where = shownPath(path);
  requireDigests(settings, path);
  const used = new Set<string>();
  return {
    service: (name) =>
      `${settings.registry}/${settings.repository}/${name}:${settings.version}@${settings.digests[name]}`,
    thirdParty(repository, tag) {
      const qualified = qualify(repository);
      const ref = `${qualified}:${tag}`;
      used.add(ref);
      const digest = settings.thirdPartyDigests[ref];
      return digest ? { repository: qualified, digest } : { repository: qualified };
    },
    checkPinsUsed() {
      const stale = Object.keys(settings.thirdPartyDigests).filter((ref) => !used.has(ref));
      if (stale.length > 0) {
        throw new Error(
          `${where}: "thirdPartyDigests" pins ${stale.join(', ')}, which no prod manifest names ` +
            `(they name ${[...used].sort().join(', ')}): record the digest of the image in use, ` +
            'or remove the entry (docs/kubernetes.md#third-party-images).',
        );
      }
    },
  };
}

/**
 * Throws, naming the file and the missing keys, unless the settings hold a digest for every
 * released service: before the first `npm run release` they do not.
 */
export function requireDigests(settings: ReleaseSettings, path: string): void {
  const missing = RELEASED_SERVICES.filter((s) => !settings.digests[s]);
  if (missing.length > 0) {
    throw new Error(
      `${shownPath(path)}: no digest for ${missing.map((s) => `"digests.${s}"`).join(', ')}. ` +
        'Run `npm run release`: it builds and pushes both images and records the digests the registry reports there.',
    );
  }
}

/** The name an engine pulls for `repository`: Docker Hub's, unless the first part is a registry. */
export function qualify(repository: string): string {
  if (isFullyQualified(repository)) return repository;
  return repository.includes('/') ? `docker.io/${repository}` : `docker.io/library/${repository}`;
}
