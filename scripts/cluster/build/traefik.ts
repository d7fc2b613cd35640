/**
 * Builds Traefik from its Go module: `tsx scripts/cluster/build/traefik.ts` prints the binary's
 * path (built once, then cached under `~/.cache/shardgate/bin/`).
 *
 * Traefik's module cannot be built as published here: lego, its ACME library, registers every DNS
 * provider in one generated file, and the module proxy refuses some of the SDKs those providers
 * import. We use no ACME DNS challenge, so the scratch module replaces lego by a copy of the same
 * release whose registry keeps only the `exec` provider (a script on the host; no SDK). The copy
 * lives in the build cache only.
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildGoBinaries, downloadGoModule } from '../go-build.js';
import { VERSIONS } from '../versions.js';

const TRAEFIK_MODULE = 'github.com/traefik/traefik/v3';
const LEGO_MODULE = 'github.com/go-acme/lego/v4';
/** The registry file lego generates (`make generate-dns`), relative to its module root. */
const DNS_REGISTRY = 'providers/dns/zz_gen_dns_providers.go';
/** DNS providers kept in the trimmed registry; `exec` imports nothing outside lego. */
export const KEPT_DNS_PROVIDERS = ['exec'] as const;
/** Folder of the trimmed lego copy inside the scratch module. */
const LEGO_COPY = 'lego-trimmed';
/** Traefik's release codename of the 3.6 line (`CODENAME` of its release workflow). */
const CODENAME = 'ramequin';

/**
 * The `replace` directives of a go.mod, both the block and the one-line form, as
 * `old [version]` → `new [version]` (or a folder). Traefik pins forks this way, and a `replace`
 * of a dependency is ignored unless the main module repeats it.
 */
export function parseReplaceDirectives(goMod: string): Record<string, string> {
  const replace: Record<string, string> = {};
  let inBlock = false;
  for (const raw of goMod.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (inBlock && line === ')') {
      inBlock = false;
      continue;
    }
    if (line === 'replace (') {
      inBlock = true;
      continue;
    }
    const directive = inBlock ? line : line.startsWith('replace ') ? line.slice(8).trim() : '';
    const match = /^(.+?)\s+=>\s+(.+)$/.exec(directive);
    if (match?.[1] && match[2])
      replace[match[1].replace(/\s+/g, ' ')] = match[2].replace(/\s+/g, ' ');
  }
  return replace;
}

/**
 * The trimmed `zz_gen_dns_providers.go`: the same package and factory signature, but only the
 * providers of {@link KEPT_DNS_PROVIDERS}. Refuses a registry whose shape it does not recognise
 * (a new lego release), rather than produce a file that silently drops what Traefik calls.
 */
export function trimmedDnsRegistry(original: string, kept: readonly string[]): string {
  const factory = 'func NewDNSChallengeProviderByName(name string) (challenge.Provider, error) {';
  if (!original.includes('package dns') || !original.includes(factory)) {
    throw new Error(`${DNS_REGISTRY}: NewDNSChallengeProviderByName not found; lego changed`);
  }
  const cases = kept.map((provider) => {
    if (!original.includes(`case "${provider}":`)) {
      throw new Error(`${DNS_REGISTRY}: lego has no DNS provider "${provider}"`);
    }
    return `\tcase "${provider}":\n\t\treturn ${provider}.NewDNSProvider()`;
  });
  const imports = kept.map((provider) => `\t"${LEGO_MODULE}/providers/dns/${provider}"`);
  return [
    '// Trimmed by shardgate (scripts/cluster/build/traefik.ts) from the file lego generates:',
    `// only the DNS providers ${kept.join(', ')} remain, so their SDKs are all a build needs.`,
    '',
    'package dns',
    '',
    'import (',
    '\t"fmt"',
    '',
    `\t"${LEGO_MODULE}/challenge"`,
    ...imports,
    ')',
    '',
    '// NewDNSChallengeProviderByName Factory for DNS providers.',
    factory,
    '\tswitch name {',
    ...cases,
    '\tdefault:',
    '\t\treturn nil, fmt.Errorf("unrecognized DNS provider: %s", name)',
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** Makes a copy of module-cache files (read-only there) writable, so it can be edited and removed. */
function makeWritable(path: string): void {
  const stat = statSync(path);
  chmodSync(path, stat.mode | 0o200);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
}

/** Copies lego from the module cache into `moduleDir` and trims its DNS registry (build `prepare`). */
async function prepareTrimmedLego(moduleDir: string): Promise<void> {
  const lego = await downloadGoModule(LEGO_MODULE, `v${VERSIONS.lego}`);
  const copy = join(moduleDir, LEGO_COPY);
  cpSync(lego.Dir, copy, { recursive: true });
  makeWritable(copy);
  const registry = join(copy, DNS_REGISTRY);
  writeFileSync(registry, trimmedDnsRegistry(readFileSync(registry, 'utf8'), KEPT_DNS_PROVIDERS));
}

/**
 * A digest of this file: the trimming code, the directives and the version stamps all live here,
 * so any change to the recipe builds again rather than reusing a binary made by another recipe.
 */
function recipeDigest(): string {
  return createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex')
    .slice(0, 12);
}

/**
 * Builds Traefik {@link VERSIONS.traefik} (`cmd/traefik`, static, version-stamped like upstream's
 * release builds) with lego {@link VERSIONS.lego} trimmed to the `exec` DNS provider, and returns
 * the binary's path. Cached by both versions and the recipe digest; a cold build takes minutes.
 */
export async function buildTraefik(): Promise<string> {
  const traefik = await downloadGoModule(TRAEFIK_MODULE, `v${VERSIONS.traefik}`);
  const info = JSON.parse(readFileSync(traefik.Info, 'utf8')) as { Time: string };
  const stamp = `${TRAEFIK_MODULE}/pkg/version`;
  const binDir = await buildGoBinaries({
    name: 'traefik',
    version: `${VERSIONS.traefik}-lego${VERSIONS.lego}`,
    keyExtra: recipeDigest(),
    goVersion: '1.25.0',
    require: { [TRAEFIK_MODULE]: `v${VERSIONS.traefik}`, [LEGO_MODULE]: `v${VERSIONS.lego}` },
    replace: {
      ...parseReplaceDirectives(readFileSync(traefik.GoMod, 'utf8')),
      [LEGO_MODULE]: `./${LEGO_COPY}`,
    },
    packages: [`${TRAEFIK_MODULE}/cmd/traefik`],
    ldflags: [
      `-X ${stamp}.Version=${VERSIONS.traefik}`,
      `-X ${stamp}.Codename=${CODENAME}`,
      // The release's commit time from the module proxy: reproducible, unlike the clock.
      `-X ${stamp}.BuildDate=${info.Time}`,
    ],
    prepare: prepareTrimmedLego,
  });
  return join(binDir, 'traefik');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  const binary = await buildTraefik();
  console.log(`${binary} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
