import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheDir, fillCacheEntry } from './cache.js';
import { runCommand } from './command.js';

/** What to build from the Go module proxy, and how. */
export interface GoBuildSpec {
  /** Names the cache entries: `bin/<name>-<version>` and the scratch module `go/<name>-<version>`. */
  readonly name: string;
  /** The cache key: change it (or {@link GoBuildSpec.keyExtra}) and the binaries are built again. */
  readonly version: string;
  /** Mixed into the cache key: e.g. a digest of a patch applied in {@link GoBuildSpec.prepare}. */
  readonly keyExtra?: string;
  /** The `go` line of the scratch module. @default '1.24.0' */
  readonly goVersion?: string;
  /** Required modules and their exact versions. */
  readonly require: Readonly<Record<string, string>>;
  /** `replace` directives: module → `other/module vX.Y.Z` or a folder (relative to the module). */
  readonly replace?: Readonly<Record<string, string>>;
  /**
   * The `main` packages to build, each a binary named after its last path element: import paths,
   * or `./<dir>` for a package of the scratch module written through {@link GoBuildSpec.files}.
   */
  readonly packages: readonly string[];
  /** Files written into the scratch module (path relative to it → content), e.g. a small `main.go`. */
  readonly files?: Readonly<Record<string, string>>;
  /** `-ldflags`, e.g. `-X` version stamps. `-s -w` is always added. */
  readonly ldflags?: readonly string[];
  /** Build with cgo. @default false (static binaries) */
  readonly cgo?: boolean;
  /** Build tags. */
  readonly tags?: readonly string[];
  /** Runs in the scratch module folder before `go mod tidy` (copy and trim a dependency, say). */
  readonly prepare?: (moduleDir: string) => Promise<void>;
}

/** What `go mod download -json` reports about one module version: its folder, go.mod and .info files. */
export interface DownloadedGoModule {
  readonly Dir: string;
  readonly GoMod: string;
  readonly Info: string;
}

/**
 * Downloads `module@version` (`version` as Go spells it: `v1.2.3`, a pseudo-version) into Go's
 * module cache, a no-op when it is there, and says where it is.
 */
export async function downloadGoModule(
  module: string,
  version: string,
): Promise<DownloadedGoModule> {
  const { stdout } = await runCommand('go', ['mod', 'download', '-json', `${module}@${version}`]);
  const { Dir, GoMod, Info } = JSON.parse(stdout) as Partial<DownloadedGoModule>;
  if (!Dir || !GoMod || !Info)
    throw new Error(`go mod download gave no folder for ${module}@${version}`);
  return { Dir, GoMod, Info };
}

/**
 * Builds the `main` packages of {@link GoBuildSpec} once into `~/.cache/shardgate/bin/<name>-<key>/`
 * and returns that folder. The scratch module that resolves them (`go.mod` with the pinned
 * requirements and replacements, `go.sum` checked against the checksum database) is kept beside it
 * under `go/`, so that a rebuild finds its dependencies in the module cache.
 */
export async function buildGoBinaries(spec: GoBuildSpec): Promise<string> {
  const key = spec.keyExtra ? `${spec.version}-${spec.keyExtra}` : spec.version;
  const binDir = join(cacheDir('bin'), `${spec.name}-${key}`);
  return fillCacheEntry(binDir, async (output) => {
    const moduleDir = cacheDir('go', `${spec.name}-${key}`);
    writeFileSync(join(moduleDir, 'go.mod'), goMod(spec));
    writeFileSync(join(moduleDir, 'tools.go'), toolsFile(spec.packages));
    for (const [path, content] of Object.entries(spec.files ?? {})) {
      mkdirSync(dirname(join(moduleDir, path)), { recursive: true });
      writeFileSync(join(moduleDir, path), content);
    }
    if (spec.prepare) await spec.prepare(moduleDir);
    const env = {
      CGO_ENABLED: spec.cgo ? '1' : '0',
      // GOTOOLCHAIN stays the machine's setting: by default a module that needs a newer Go than
      // the machine's makes the go command fetch that toolchain from the module proxy.
      GOFLAGS: '-buildvcs=false -mod=mod',
      // The compiler and linker spend a good part of a cold build collecting garbage. 200 lets a
      // heap grow to three times its live data between collections (100, Go's default: twice):
      // fewer collections for memory this machine has to spare, even with two builds at once.
      GOGC: process.env.GOGC ?? '200',
    };
    await withRetries(() => runCommand('go', ['mod', 'tidy'], { cwd: moduleDir, env }));
    const ldflags = ['-s', '-w', ...(spec.ldflags ?? [])].join(' ');
    const tags = spec.tags?.length ? ['-tags', spec.tags.join(',')] : [];
    console.log(`building ${spec.packages.join(', ')} (${spec.name} ${key}); once, then cached`);
    await runCommand(
      'go',
      ['build', '-trimpath', ...tags, '-ldflags', ldflags, '-o', `${output}/`, ...spec.packages],
      { cwd: moduleDir, env },
    );
  });
}

/**
 * Runs `go mod tidy` (idempotent) up to three times: the module proxy and its checksum database
 * sometimes answer a lookup with a passing error (seen: a 404 from the checksum database for a
 * module version it served a minute later), and one such answer should not fail a cold build.
 */
async function withRetries<T>(attempt: () => Promise<T>, pausesMs = [10_000, 30_000]): Promise<T> {
  for (const pause of pausesMs) {
    try {
      return await attempt();
    } catch (error) {
      console.warn(
        `go mod tidy failed, trying again in ${pause / 1000} s: ${(error as Error).message}`,
      );
      await sleep(pause);
    }
  }
  return attempt();
}

function goMod(spec: GoBuildSpec): string {
  const lines = [
    `module shardgate.local/build/${spec.name}`,
    '',
    `go ${spec.goVersion ?? '1.24.0'}`,
    '',
  ];
  lines.push('require (');
  for (const [module, version] of Object.entries(spec.require))
    lines.push(`\t${module} ${version}`);
  lines.push(')');
  const replace = Object.entries(spec.replace ?? {});
  if (replace.length > 0) {
    lines.push('', 'replace (');
    for (const [module, target] of replace) lines.push(`\t${module} => ${target}`);
    lines.push(')');
  }
  return `${lines.join('\n')}\n`;
}

/** A file that imports the packages, so that `go mod tidy` keeps everything they need. */
function toolsFile(packages: readonly string[]): string {
  // The scratch module's own packages are seen by `go mod tidy` anyway, and cannot be imported by path.
  const external = packages.filter((p) => !p.startsWith('./'));
  const imports = external.map((p) => `\t_ "${p}"`).join('\n');
  return `//go:build tools\n\npackage tools\n\nimport (\n${imports}\n)\n`;
}
