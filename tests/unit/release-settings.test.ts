import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prod } from '../../cdk8s/src/environments.js';
import { chartImage } from '../../cdk8s/src/lib/chart-image.js';
import { qualify, releaseImages } from '../../cdk8s/src/lib/image-naming.js';
import {
  parseReleaseSettings,
  type ReleaseSettings,
  readReleaseSettings,
} from '../../cdk8s/src/lib/release-settings.js';
import { buildApp } from '../../cdk8s/src/shardgate-app.js';
import { committedRelease, REPO_ROOT } from '../support/k8s-environment.js';
import { type K8sObject, type PodSpec, podSpecOf } from '../support/k8s-manifests.js';

// The release settings (deploy/release.json): what they accept, what they refuse and say, and how
// the prod app names its images from them. The release itself: tests/stack/release.test.ts.

const work = mkdtempSync(join(tmpdir(), 'release-settings-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const valid: ReleaseSettings = {
  registry: 'registry.example.com',
  repository: 'shardgate',
  version: '1.2.0',
  source: 'https://git.example.com/shardgate',
  digests: { auth: digest('a'), api: digest('b') },
  thirdPartyDigests: {},
};
const refusal = (value: unknown): string => {
  try {
    parseReleaseSettings(value, 'release.json');
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

/** The images of every pod the prod app renders with `settings`. */
function prodImages(settings: ReleaseSettings): string[] {
  const app = buildApp(prod, join(work, 'prod'), { path: 'release.json', settings });
  return app.charts.flatMap((chart) =>
    (chart.toJson() as K8sObject[]).flatMap((o) => {
      const pod = podSpecOf(o) as PodSpec | undefined;
      return pod ? [...(pod.initContainers ?? []), ...pod.containers].map((c) => c.image) : [];
    }),
  ) as string[];
}

describe('release settings', () => {
  it('accepts the committed example, whose digests are placeholders', () => {
    const { settings } = committedRelease();
    expect(settings.registry).toBe('registry.example.com');
    expect(Object.values(settings.digests)).toEqual([
      `sha256:${'0'.repeat(63)}1`,
      `sha256:${'0'.repeat(63)}2`,
    ]);
    expect(refusal(valid)).toBe('accepted');
    expect(refusal({ ...valid, registry: '127.0.0.1:5000', digests: undefined })).toBe('accepted');
  });

  it('refuses every malformed field, naming it and what it should be', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      // a bare name would be read as a Docker Hub namespace by every engine
      [{ ...valid, registry: 'myregistry' }, /"registry" is malformed: the registry host/],
      [{ ...valid, registry: undefined }, /"registry" is missing/],
      [{ ...valid, repository: 'Shardgate' }, /"repository" is malformed/],
      [{ ...valid, version: 'latest' }, /"version" is malformed: .*never "latest"/],
      [{ ...valid, version: '1.0/x' }, /"version" is malformed/],
      [{ ...valid, source: 'git@example.com:x.git' }, /"source" is malformed/],
      [{ ...valid, revision: 'main' }, /"revision" is malformed/],
      [{ ...valid, digests: { auth: 'sha256:abc' } }, /"digests\.auth" must be "sha256:"/],
      [{ ...valid, digests: { web: digest('c') } }, /"digests\.web": no such service/],
      [{ ...valid, digest: {} }, /unknown setting "digest"/],
      [
        { ...valid, thirdPartyDigests: { 'postgres:15': digest('c') } },
        /"postgres:15" must be a fully qualified name and tag/,
      ],
      [
        { ...valid, thirdPartyDigests: { 'docker.io/library/redis:7': 'sha256:x' } },
        /"thirdPartyDigests\.docker\.io\/library\/redis:7" must be "sha256:"/,
      ],
    ];
    for (const [value, message] of cases) expect(refusal(value)).toMatch(message);
  });

  it('says what to set when the file is missing', () => {
    const missing = join(work, 'nowhere.json');
    expect(() => readReleaseSettings(missing)).toThrow(
      /does not exist: .*"registry", "repository", "version" and "source".*npm run release.*SHARDGATE_RELEASE_SETTINGS/,
    );
  });

  it('refuses to name prod images without the digests a release records', () => {
    expect(() => releaseImages({ ...valid, digests: { auth: digest('a') } }, 'r.json')).toThrow(
      /r\.json: no digest for "digests\.api"\. Run `npm run release`/,
    );
  });

  it('qualifies a name as engines complete it', () => {
    expect(qualify('postgres')).toBe('docker.io/library/postgres');
    expect(qualify('bitnami/redis')).toBe('docker.io/bitnami/redis');
    expect(qualify('quay.io/prometheus/prometheus')).toBe('quay.io/prometheus/prometheus');
    expect(qualify('localhost:5000/x')).toBe('localhost:5000/x');
  });
});

describe('the prod app on release settings', () => {
  const postgres = chartImage('postgres-shard');
  const postgresRef = `${qualify(postgres.repository)}:${postgres.tag}`;

  it('names the release images, and pins a third-party image the settings give a digest for', () => {
    const images = new Set(
      prodImages({ ...valid, thirdPartyDigests: { [postgresRef]: digest('c') } }),
    );
    const redis = chartImage('redis');
    expect(images).toEqual(
      new Set([
        `registry.example.com/shardgate/auth:1.2.0@${digest('a')}`,
        `registry.example.com/shardgate/api:1.2.0@${digest('b')}`,
        `${postgresRef}@${digest('c')}`,
        `docker.io/library/redis:${redis.tag}`,
        // prod's edge: fully qualified already, pinnable like the others (below)
        'docker.io/library/traefik:v3.6.12',
      ]),
    );
  });

  it("pins prod's Traefik by the digest the settings give for it", () => {
    const traefik = 'docker.io/library/traefik:v3.6.12';
    const images = prodImages({ ...valid, thirdPartyDigests: { [traefik]: digest('d') } });
    expect(images.filter((i) => i.includes('/traefik'))).toEqual([`${traefik}@${digest('d')}`]);
  });

  it('refuses a third-party digest for an image no manifest names (a version bumped alone)', () => {
    const stale = 'docker.io/library/postgres:9.6-old';
    expect(() => prodImages({ ...valid, thirdPartyDigests: { [stale]: digest('c') } })).toThrow(
      new RegExp(`pins ${stale}, which no prod manifest names \\(they name .*${postgresRef}`),
    );
  });

  it('fails synth without settings, saying what to set, and writes nothing', () => {
    const out = join(work, 'synth-out');
    const r = spawnSync(
      join(REPO_ROOT, 'node_modules/.bin/tsx'),
      [join(REPO_ROOT, 'cdk8s/src/main.ts'), out],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, SHARDGATE_RELEASE_SETTINGS: join(work, 'absent.json') },
        timeout: 60_000,
      },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^synth: .*absent\.json does not exist: .*npm run release/m);
    expect(existsSync(out)).toBe(false);
  });

  it('fails synth on settings without digests, naming them', () => {
    const file = join(work, 'no-digests.json');
    writeFileSync(file, JSON.stringify({ ...valid, digests: {} }));
    const r = spawnSync(
      join(REPO_ROOT, 'node_modules/.bin/tsx'),
      [join(REPO_ROOT, 'cdk8s/src/main.ts'), join(work, 'synth-out-2')],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, SHARDGATE_RELEASE_SETTINGS: file },
        timeout: 60_000,
      },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/no digest for "digests\.auth", "digests\.api"/);
  });
});
