import { podman, ULIMIT_FLAGS } from '../podman.js';
import { RECIPE_KEY_LABEL } from './image-cache.js';

/** What a stand-in image really is, written into its labels for anyone who inspects it. */
export interface StandInDescription {
  /** Short name, e.g. `postgres`. */
  readonly title: string;
  /** The upstream reference it stands in for (the name it is tagged with). */
  readonly standsInFor: string;
  /** The version of what it really runs, e.g. Debian's `15.20-0+deb12u1`. */
  readonly version: string;
  /** One line: what it contains and where that came from, versions included. */
  readonly contains: string;
  /** Debian packages and their installed versions, when it is built on Debian. */
  readonly debianPackages?: ReadonlyMap<string, string>;
}

/** The label every stand-in carries (`true`), so that nobody mistakes one for the upstream image. */
export const STAND_IN_LABEL = 'io.shardgate.stand-in';

/**
 * `podman build --label` flags for a stand-in: the OCI annotations (title, description, version)
 * and `io.shardgate.stand-in*` labels saying what it stands in for and what it really contains,
 * plus the recipe key that {@link ensureImage} checks.
 */
export function standInLabelFlags(description: StandInDescription, recipeKey: string): string[] {
  const { title, standsInFor, version, contains, debianPackages } = description;
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': `${title} (stand-in)`,
    'org.opencontainers.image.description': `Stand-in for ${standsInFor}, built locally by shardgate (not the upstream image): ${contains}`,
    'org.opencontainers.image.version': version,
    [STAND_IN_LABEL]: 'true',
    [`${STAND_IN_LABEL}.for`]: standsInFor,
    [`${STAND_IN_LABEL}.contains`]: contains,
    [RECIPE_KEY_LABEL]: recipeKey,
  };
  if (debianPackages) {
    labels[`${STAND_IN_LABEL}.debian-packages`] = [...debianPackages]
      .map(([name, v]) => `${name}=${v}`)
      .join(' ');
  }
  return Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
}

/**
 * The installed versions of Debian `packages` in `image`, read with dpkg-query in a throwaway
 * container without network. Fails when one is not installed.
 */
export async function debianVersions(
  image: string,
  packages: readonly string[],
): Promise<Map<string, string>> {
  const { stdout } = await podman([
    'run',
    '--rm',
    '--network=none',
    '--user=0',
    ...ULIMIT_FLAGS,
    '--entrypoint=dpkg-query',
    image,
    '--show',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format, not JavaScript's
    '--showformat=${Package}\\t${Version}\\n',
    ...packages,
  ]);
  const versions = new Map<string, string>();
  for (const line of stdout.split('\n').filter(Boolean)) {
    const [name, version] = line.split('\t');
    if (name && version) versions.set(name, version);
  }
  for (const name of packages) {
    if (!versions.has(name)) throw new Error(`${image}: Debian package ${name} is not installed`);
  }
  return versions;
}
