/**
 * The release path against a real OCI registry: the Distribution registry, built from its Go
 * module and started on 127.0.0.1 with its storage in a temporary folder. `npm run release` builds
 * both images with podman, pushes them and writes the digests into a settings file of this test;
 * the registry's own API must report those digests, and `npm run synth` with those settings must
 * name exactly those images in k8s/prod. podman, skopeo and Go (or a cached registry build) are
 * required: without them this fails, it never skips.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseReleaseSettings,
  type ReleaseSettings,
} from '../../cdk8s/src/lib/release-settings.js';
import { hasCommand, runCommand } from '../../scripts/cluster/command.js';
import { podman } from '../../scripts/cluster/podman.js';
import { REPO_ROOT } from '../../scripts/stack/layout.js';
import { loadManifests, type PodSpec, podSpecOf } from '../support/k8s-manifests.js';
import { type OciRegistry, startRegistry } from '../support/oci-registry.js';

const SERVICES = ['auth', 'api'] as const;
const VERSION = '9.8.7-ci';
const SOURCE = 'https://git.example.com/shardgate/shardgate';
/** What a registry may answer a manifest request with: the types podman pushes. */
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

let work: string;
let registry: OciRegistry | undefined;
let settingsFile: string;
let release: { status: number | null; output: string };

/**
 * Runs the release CLI as an operator would (`npm run release -- ...`, without npm's banner), in a
 * child process that does not block this worker for the minutes a cold build takes.
 */
function runRelease(args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(
      'bash',
      [
        'scripts/with-deps.sh',
        'tsx',
        'scripts/release/cli.ts',
        '--settings',
        settingsFile,
        ...args,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 1_500_000 },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', (error) => resolvePromise({ status: null, output: `${output}${error}` }));
    child.once('close', (status) => resolvePromise({ status, output }));
  });
}

/** `GET|HEAD <registry>/v2/<path>`; manifests asked for in the types podman pushes. */
function registryApi(path: string, method = 'GET'): Promise<Response> {
  return fetch(`${registry?.url}/v2/${path}`, { method, headers: { accept: MANIFEST_TYPES } });
}

const settings = (): ReleaseSettings =>
  parseReleaseSettings(JSON.parse(readFileSync(settingsFile, 'utf8')), settingsFile);

beforeAll(async () => {
  for (const tool of ['podman', 'skopeo'])
    if (!(await hasCommand(tool))) {
      throw new Error(
        `${tool} is not installed: the release test builds, pushes and reads back real images (bash scripts/bootstrap.sh --cluster installs it)`,
      );
    }
  work = mkdtempSync(join(tmpdir(), 'shardgate-release-'));
  registry = await startRegistry(join(work, 'registry'));
  settingsFile = join(work, 'release.json');
  // what an operator writes before the first release; the CLI adds the rest
  writeFileSync(
    settingsFile,
    JSON.stringify({
      registry: registry.host,
      repository: 'shardgate',
      version: VERSION,
      source: SOURCE,
    }),
  );
  // The node base is this project's stand-in (no registry is reachable to pull the real one);
  // plain HTTP, since the registry is on loopback.
  release = await runRelease(['--tls-verify=false', '--stand-in-base', '--allow-dirty']);
  // the build and push times, for the run's log
  console.log(release.output.match(/^release: .*$/gm)?.join('\n') ?? release.output);
}, 1_800_000);

afterAll(async () => {
  await registry?.stop();
  for (const service of SERVICES) {
    // the tags this test added to podman's storage; the layers stay with the other images
    await podman(['rmi', `${registry?.host}/shardgate/${service}:${VERSION}`]).catch(
      () => undefined,
    );
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm run release against a loopback registry', () => {
  it('builds and pushes both images, and writes their digests and revision into the settings', async () => {
    expect(release.status, release.output).toBe(0);
    const catalog = (await (await registryApi('_catalog')).json()) as { repositories: string[] };
    expect(catalog.repositories.sort()).toEqual(['shardgate/api', 'shardgate/auth']);
    for (const service of SERVICES) {
      const tags = (await (await registryApi(`shardgate/${service}/tags/list`)).json()) as {
        tags: string[];
      };
      expect(tags.tags).toEqual([VERSION]);
    }
    const written = settings();
    const head = (await runCommand('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT })).stdout.trim();
    expect(written.revision).toMatch(new RegExp(`^${head}(-dirty)?$`));
    expect(written).toMatchObject({ registry: registry?.host, version: VERSION, source: SOURCE });
    expect(Object.keys(written.digests).sort()).toEqual(['api', 'auth']);
  });

  it('records exactly the digests the registry reports (HEAD …/manifests/<tag>, Docker-Content-Digest)', async () => {
    const { digests } = settings();
    for (const service of SERVICES) {
      const head = await registryApi(`shardgate/${service}/manifests/${VERSION}`, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.headers.get('docker-content-digest')).toBe(digests[service]);
      // and the bytes it serves hash to that digest: the header is not taken on trust
      const body = Buffer.from(
        await (await registryApi(`shardgate/${service}/manifests/${VERSION}`)).arrayBuffer(),
      );
      expect(`sha256:${createHash('sha256').update(body).digest('hex')}`).toBe(digests[service]);
    }
    expect(digests.auth).not.toBe(digests.api);
  });

  it('pushes images labelled with the OCI source, revision and version', async () => {
    const { revision } = settings();
    for (const service of SERVICES) {
      const manifest = (await (
        await registryApi(`shardgate/${service}/manifests/${VERSION}`)
      ).json()) as { config: { digest: string } };
      const config = (await (
        await registryApi(`shardgate/${service}/blobs/${manifest.config.digest}`)
      ).json()) as { config: { Labels: Record<string, string> } };
      expect(config.config.Labels).toMatchObject({
        'org.opencontainers.image.source': SOURCE,
        'org.opencontainers.image.revision': revision,
        'org.opencontainers.image.version': VERSION,
        'org.opencontainers.image.title': `shardgate-${service}`,
      });
    }
  });

  it('gives settings with which synth names exactly those images in k8s/prod', () => {
    const out = join(work, 'k8s');
    const r = spawnSync('bash', ['scripts/synth.sh', out], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, SHARDGATE_RELEASE_SETTINGS: settingsFile },
      timeout: 180_000,
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    const { digests } = settings();
    const images = (env: string) =>
      loadManifests(join(out, env)).flatMap(({ object }) => {
        const pod = podSpecOf(object) as PodSpec | undefined;
        return pod ? [...(pod.initContainers ?? []), ...pod.containers].map((c) => c.image) : [];
      });
    const own = new Set(images('prod').filter((i) => i?.includes('/shardgate/')));
    expect(own).toEqual(
      new Set(SERVICES.map((s) => `${registry?.host}/shardgate/${s}:${VERSION}@${digests[s]}`)),
    );
    // dev keeps the images the local cluster loads into its node
    expect(new Set(images('dev').filter((i) => i?.startsWith('shardgate/')))).toEqual(
      new Set(['shardgate/auth:0.1.0', 'shardgate/api:0.1.0']),
    );
  });

  it('refuses plain HTTP to a registry that is not on loopback, before building anything', async () => {
    const r = await runRelease(['--registry', 'registry.example.com', '--tls-verify=false']);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/--tls-verify=false is for a registry on loopback only/);
    // the settings of the release above are untouched
    expect(settings().registry).toBe(registry?.host);
  });
});
