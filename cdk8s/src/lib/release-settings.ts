import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { ServiceName } from '../names.js';
import { REPO_ROOT } from './repo-root.js';

/**
 * Where the prod images come from, kept in one file (`deploy/release.json`): the registry and
 * repository both shardgate images are pushed to, the released version, and the digests the
 * registry reported for them. `npm run release` (scripts/release/) writes the digests and the
 * revision; `npm run synth` reads the file to name the prod images `registry/repository/<service>:
 * version@digest`. The committed file is an example (registry.example.com, placeholder digests).
 */
export interface ReleaseSettings {
  /** Free text for the people who read the file; ignored. */
  readonly comment?: string;
  /**
   * Registry host, with its port if not the default: `registry.example.com`, `127.0.0.1:5000`.
   * Must contain a dot or a port, or be `localhost`, so that no engine mistakes it for a Docker
   * Hub namespace.
   */
  readonly registry: string;
  /** Path under the registry that holds the images: `shardgate` gives `<registry>/shardgate/auth`. */
  readonly repository: string;
  /** The tag of both images: the released version (`0.1.0`). Never `latest`. */
  readonly version: string;
  /** URL of the source repository: the images' `org.opencontainers.image.source` label. */
  readonly source: string;
  /**
   * The commit the images were built from (their `org.opencontainers.image.revision` label),
   * `-dirty` appended when the tree had uncommitted changes. Written by `npm run release`.
   */
  readonly revision?: string;
  /** `sha256:…` of each service image's manifest, as the registry reports it. Written by `npm run release`. */
  readonly digests: Readonly<Partial<Record<ServiceName, string>>>;
  /**
   * Digests of third-party images, by their fully qualified name and tag as the prod manifests
   * name them (`docker.io/library/postgres:15.20-bookworm`). An image listed here is pinned
   * (`name:tag@digest`); a name no prod manifest uses fails synth, so a version bump cannot leave
   * an old digest behind unnoticed. Recorded by the operator (docs/kubernetes.md says how).
   */
  readonly thirdPartyDigests: Readonly<Record<string, string>>;
}

/** The environment variable that names another settings file (the release test uses it). */
export const RELEASE_SETTINGS_ENV = 'SHARDGATE_RELEASE_SETTINGS';

/** The settings file `npm run release` writes and `npm run synth` reads, unless {@link RELEASE_SETTINGS_ENV} names another. */
export const DEFAULT_RELEASE_SETTINGS = join(REPO_ROOT, 'deploy', 'release.json');

/** A digest as registries report them (`Docker-Content-Digest`): SHA-256 only. */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** The services whose images a release pushes, in the order it pushes them. */
export const RELEASED_SERVICES: readonly ServiceName[] = ['auth', 'api'];

// The grammar of github.com/distribution/reference, narrowed: a host that cannot be a Docker
// Hub namespace, lowercase path components, a tag.
const REGISTRY =
  /^(?:(?:localhost|[a-z0-9-]+(?:\.[a-z0-9-]+)+|\[[0-9a-f:]+\])(?::\d+)?|[a-z0-9-]+:\d+)$/i;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REVISION = /^[0-9a-f]{40}(?:-dirty)?$/;

const KNOWN_KEYS = new Set([
  'comment',
  'registry',
  'repository',
  'version',
  'source',
  'revision',
  'digests',
  'thirdPartyDigests',
]);

/** The settings file to use: `$SHARDGATE_RELEASE_SETTINGS` (relative to the repository) or {@link DEFAULT_RELEASE_SETTINGS}. */
export function releaseSettingsPath(env: NodeJS.ProcessEnv = process.env): string {
  const named = env[RELEASE_SETTINGS_ENV];
  if (!named) return DEFAULT_RELEASE_SETTINGS;
  return isAbsolute(named) ? named : join(REPO_ROOT, named);
}

/** The path as a person should read it in a message: relative to the repository when inside it. */
export function shownPath(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** True when `ref` names its registry (`docker.io/library/redis:7`), as the settings require. */
export function isFullyQualified(ref: string): boolean {
  const [first, ...rest] = ref.split('/');
  return rest.length > 0 && REGISTRY.test(first ?? '');
}

/**
 * Reads and checks the settings file; the digests may still be missing (before the first release).
 * @throws Error naming the file and every field that is missing or malformed, and what to set
 */
export function readReleaseSettings(path: string): ReleaseSettings {
  if (!existsSync(path)) {
    throw new Error(
      `${shownPath(path)} does not exist: the prod manifests name the images of a release. ` +
        'Write it with "registry", "repository", "version" and "source" (git show HEAD:deploy/release.json is the example), ' +
        'then run `npm run release`, which builds and pushes both images and records their digests there; ' +
        `or set ${RELEASE_SETTINGS_ENV} to another settings file. docs/kubernetes.md#releasing says more.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${shownPath(path)}: not JSON: ${(error as Error).message}`);
  }
  return parseReleaseSettings(parsed, shownPath(path));
}

/**
 * Checks an already parsed settings object (see {@link readReleaseSettings}).
 * @throws Error listing every problem, prefixed with `where`
 */
export function parseReleaseSettings(value: unknown, where: string): ReleaseSettings {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: must be a JSON object`);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN_KEYS.has(key)) problems.push(`unknown setting "${key}"`);
  }
  const text = (key: string, pattern: RegExp | ((s: string) => boolean), hint: string) => {
    const v = o[key];
    const ok = typeof pattern === 'function' ? pattern : (s: string) => pattern.test(s);
    if (typeof v !== 'string' || !ok(v)) {
      problems.push(`"${key}" ${v === undefined ? 'is missing' : 'is malformed'}: ${hint}`);
    }
  };
  text('registry', REGISTRY, 'the registry host, e.g. "registry.example.com" or "127.0.0.1:5000"');
  text('repository', REPOSITORY, 'a lowercase path under the registry, e.g. "shardgate"');
  text(
    'version',
    (s) => TAG.test(s) && s !== 'latest',
    'the tag of both images, e.g. "1.2.0" (never "latest")',
  );
  text(
    'source',
    isHttpUrl,
    'the URL of the source repository, e.g. "https://git.example.com/shardgate"',
  );
  if (o.revision !== undefined)
    text('revision', REVISION, 'a 40-hex commit, optionally with -dirty');
  if (o.comment !== undefined && typeof o.comment !== 'string')
    problems.push('"comment" must be a string');
  const digests = digestMap(o.digests, 'digests', problems);
  for (const key of Object.keys(digests)) {
    if (!(RELEASED_SERVICES as readonly string[]).includes(key)) {
      problems.push(`"digests.${key}": no such service (${RELEASED_SERVICES.join(', ')})`);
    }
  }
  const thirdPartyDigests = digestMap(o.thirdPartyDigests, 'thirdPartyDigests', problems);
  for (const ref of Object.keys(thirdPartyDigests)) {
    if (
      !isFullyQualified(ref) ||
      !TAG.test(ref.slice(ref.lastIndexOf(':') + 1)) ||
      ref.includes('@')
    ) {
      problems.push(
        `"thirdPartyDigests": "${ref}" must be a fully qualified name and tag, e.g. "docker.io/library/redis:7.2.12-bookworm"`,
      );
    }
  }
  if (problems.length > 0) throw new Error(`${where}:\n  ${problems.join('\n  ')}`);
  return { ...(o as unknown as ReleaseSettings), digests, thirdPartyDigests };
}

/** A `{ name: digest }` object (absent is empty); records what is wrong in `problems`. */
function digestMap(value: unknown, key: string, problems: string[]): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`"${key}" must be an object of name → "sha256:<64 hex>"`);
    return {};
  }
  for (const [name, digest] of Object.entries(value)) {
    if (typeof digest !== 'string' || !DIGEST_PATTERN.test(digest)) {
      problems.push(`"${key}.${name}" must be "sha256:" and 64 lowercase hex digits`);
    }
  }
  return value as Record<string, string>;
}

function isHttpUrl(s: string): boolean {
  try {
    const url = new URL(s);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
