import { ensureNodeImage } from '../cluster/images/node-image.js';
import { type ServiceName, serviceBuildArgs } from '../cluster/images/service-images.js';
import { STAND_IN_LABEL } from '../cluster/images/stand-in-labels.js';
import { caBundleBuildFlags, podman, podmanBuild, ULIMIT_FLAGS } from '../cluster/podman.js';

/** The OCI labels a release image carries (they override the Dockerfile's `version`). */
export interface ReleaseLabels {
  /** `org.opencontainers.image.source`: the repository URL. */
  readonly source: string;
  /** `org.opencontainers.image.revision`: the commit. */
  readonly revision: string;
  /** `org.opencontainers.image.version`: the released version (the tag). */
  readonly version: string;
}

/**
 * Which Node.js base the build uses. `upstream`: the Dockerfile's `FROM`, pulled from its registry
 * on every build (`--pull=always`), so that no local image of that name — the local cluster's
 * stand-in, say — is taken for it. `stand-in`: this project's locally built stand-in, never
 * pulled: only to prove the release path on machines that reach no image registry.
 */
export type BaseImage = 'upstream' | 'stand-in';

/**
 * Builds `Dockerfile.<service>` with podman, tagged `ref` and labelled with `labels`. With the
 * upstream base, refuses an image whose base turns out to be a stand-in (it carries
 * `io.shardgate.stand-in=true`): such an image must never be released.
 */
export async function buildReleaseImage(
  service: ServiceName,
  ref: string,
  labels: ReleaseLabels,
  base: BaseImage,
): Promise<void> {
  const args = serviceBuildArgs(service, [ref], {
    'org.opencontainers.image.source': labels.source,
    'org.opencontainers.image.revision': labels.revision,
    'org.opencontainers.image.version': labels.version,
  });
  if (base === 'stand-in') {
    await ensureNodeImage();
    await podmanBuild(args);
    return;
  }
  await podman(['build', '--pull=always', ...ULIMIT_FLAGS, ...caBundleBuildFlags(), ...args]);
  const format = `{{index .Labels "${STAND_IN_LABEL}"}}`;
  const { stdout } = await podman(['image', 'inspect', '--format', format, ref]);
  if (stdout.trim() === 'true') {
    throw new Error(
      `${ref} was built on a stand-in base (label ${STAND_IN_LABEL}=true), not on the upstream Node.js image: refusing to release it`,
    );
  }
}
