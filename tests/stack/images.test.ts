/**
 * The service images, built by a real engine: podman builds Dockerfile.auth and Dockerfile.api
 * (scripts/cluster/images/service-images.ts) on the node stand-in, and each image is run the way
 * its pod runs it — read-only root filesystem, every capability dropped, no privilege escalation,
 * uid 1000, an empty /tmp — on the test stack's databases and Redis (host network: the stack
 * listens on loopback). podman is required: without it this fails, it never skips.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hasCommand } from '../../scripts/cluster/command.js';
import { runContainer, startContainer } from '../../scripts/cluster/images/container.js';
import { NODE_IMAGE } from '../../scripts/cluster/images/node-image.js';
import {
  buildServiceImage,
  podmanServiceRef,
  type ServiceName,
  serviceImageRef,
} from '../../scripts/cluster/images/service-images.js';
import { podman } from '../../scripts/cluster/podman.js';
import { VERSIONS } from '../../scripts/cluster/versions.js';
import { REPO_ROOT } from '../../scripts/stack/layout.js';
import type { StackInfo } from '../../scripts/stack/stack-info.js';
import { freshUserId, testApiEnv, tokenFor } from '../../services/api/test/support/api-server.js';
import { generateSigningJwk } from '../../services/auth/src/domain/signing-keys.js';
import { call, newUser } from '../../services/auth/test/support/auth-server.js';
import { eventually, freePort } from '../support/wait.js';

/** What differs between the two images. */
interface ImageCase {
  readonly service: ServiceName;
  /** The service's environment on the test stack (ports are added by the test). */
  env(stack: StackInfo): Record<string, string>;
  /** Databases its migration Job migrates. */
  migrationUrls(stack: StackInfo): string[];
  /** One real request through pg and the native parts of the image. */
  exercise(url: string): Promise<void>;
}

/** Where the auth pod mounts the signing-key Secret (`AUTH_KEYS_DIR`). */
const KEYS_MOUNT = '/var/run/secrets/shardgate/keys';

const CASES: readonly ImageCase[] = [
  {
    service: 'auth',
    env: (stack) => ({
      DATABASE_URL: stack.pg.auth.primary,
      DATABASE_REPLICA_URLS: stack.pg.auth.replica,
      REDIS_URL: stack.redisUrl,
      // as in the pod: the keys are files of a mounted Secret; NODE_ENV=production never makes one
      AUTH_KEYS_DIR: KEYS_MOUNT,
      // as the auth-mfa Secret gives it: production refuses to start without one
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      BCRYPT_COST: '4',
    }),
    migrationUrls: (stack) => [stack.pg.auth.primary],
    async exercise(url) {
      // registration and login: pg, bcrypt's prebuilt binary, zxcvbn
      await newUser(url);
    },
  },
  {
    service: 'api',
    env: (stack) => definedOnly(testApiEnv(stack)),
    migrationUrls: (stack) => [stack.pg.shard0.primary, stack.pg.shard1.primary],
    async exercise(url) {
      const me = await call(url, 'GET', '/api/me', { token: await tokenFor(freshUserId()) });
      expect(me.status, me.text).toBe(200);
    },
  },
];

/** Dev-only tools that must never reach a runtime image. */
const BUILD_TOOLS = ['typescript', 'vitest', 'prisma', '@prisma/engines', 'tsx', '@biomejs/biome'];

/** The user every service pod runs as (`cdk8s/src/lib/restricted-security.ts`). */
const POD_USER = '1000:1000';

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

/** One entry of `find -printf` in the image: owner, mode, type, path below /app, link target. */
interface ImageFile {
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
  readonly type: string;
  readonly path: string;
  readonly target: string;
}

/** Every file, folder and link under /app in `image`, listed by find inside it (as the pod's user). */
async function listApp(image: string): Promise<ImageFile[]> {
  const { stdout } = await runContainer({
    image,
    user: POD_USER,
    network: 'none',
    entrypoint: 'find',
    args: ['/app', '-mindepth', '1', '-printf', '%U\\t%G\\t%m\\t%y\\t%P\\t%l\\n'],
  });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [uid, gid, mode, type, path, target] = line.split('\t');
      return {
        uid: Number(uid),
        gid: Number(gid),
        mode: Number.parseInt(mode ?? '', 8),
        type: type ?? '',
        path: path ?? '',
        target: target ?? '',
      };
    });
}

/** The packages installed in `node_modules` (nested ones too), as lockfile keys. */
function installedPackages(files: readonly ImageFile[]): string[] {
  return files
    .filter((f) => f.path.startsWith('node_modules/') && f.path.endsWith('/package.json'))
    .map((f) => dirname(f.path))
    .filter((p) => /(^|\/)node_modules\/(@[^/]+\/)?[^/@]+$/.test(p));
}

/** The image's configuration, as `podman image inspect` reports it. */
async function imageConfig(ref: string) {
  const { stdout } = await podman(['image', 'inspect', ref]);
  const [image] = JSON.parse(stdout) as {
    Config: {
      User?: string;
      WorkingDir?: string;
      Cmd?: string[];
      Entrypoint?: string[];
      Env?: string[];
      ExposedPorts?: Record<string, unknown>;
      Labels?: Record<string, string>;
    };
  }[];
  if (!image) throw new Error(`podman image inspect ${ref} returned nothing`);
  return image.Config;
}

let work: string;
let keysDir: string;

beforeAll(async () => {
  if (!(await hasCommand('podman'))) {
    throw new Error(
      'podman is not installed: this test builds and runs the real images (scripts/bootstrap.sh)',
    );
  }
  work = mkdtempSync(join(tmpdir(), 'shardgate-images-'));
  keysDir = join(work, 'keys');
  mkdirSync(keysDir, { mode: 0o755 });
  const jwk = generateSigningJwk();
  // readable by the container's uid 1000, as a mounted Secret's files are
  writeFileSync(join(keysDir, `${jwk.kid}.jwk.json`), JSON.stringify(jwk), { mode: 0o644 });
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

for (const { service, env, migrationUrls, exercise } of CASES) {
  describe(`Dockerfile.${service}`, () => {
    let ref: string;
    let files: ImageFile[];

    beforeAll(async () => {
      ({ ref } = await buildServiceImage(service));
      files = await listApp(ref);
    }, 900_000);

    it('is named as the manifests and podman name it, with the layout, user, ports and command the pods rely on', async () => {
      expect(ref).toBe(`docker.io/shardgate/${service}:0.1.0`);
      expect(ref).toBe(serviceImageRef(service));
      const config = await imageConfig(podmanServiceRef(service));
      expect(config).toEqual(await imageConfig(ref));
      expect(config.User).toBe(POD_USER); // the base image's `node` user
      expect(config.WorkingDir).toBe('/app');
      expect(config.Cmd).toEqual(['node', `services/${service}/dist/main.js`]);
      expect(config.Env).toContain('NODE_ENV=production');
      expect(config.Env).toContain(`NODE_VERSION=${VERSIONS.node}`); // from the node:24 base
      expect(Object.keys(config.ExposedPorts ?? {}).sort()).toEqual(['8080/tcp', '9464/tcp']);
      expect(config.Labels?.['org.opencontainers.image.title']).toBe(`shardgate-${service}`);
      const paths = new Set(files.map((f) => f.path));
      for (const path of [
        `services/${service}/dist/main.js`,
        'services/shared/dist/migrate/cli.js',
        `services/${service}/openapi.json`,
        'services/shared/dist/index.js',
        // both services query with pg statements; Prisma only defines schemas and migrations
        'node_modules/pg/lib/index.js',
      ]) {
        expect(paths.has(path), path).toBe(true);
      }
      expect(paths.has('node_modules/@prisma/client/package.json')).toBe(false);
      // the workspace package is npm's link to the copied folder, as in the build stage
      const link = files.find((f) => f.path === 'node_modules/@shardgate/shared');
      expect(link?.type).toBe('l');
      expect(link?.target).toBe('../../services/shared');
      expect(
        files.some((f) =>
          new RegExp(`^services/${service}/prisma/migrations/[^/]+/migration\\.sql$`).test(f.path),
        ),
      ).toBe(true);
    });

    it('holds production dependencies only, no TypeScript, nothing secret, everything root-owned and read-only', async () => {
      const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean }>;
      };
      const notForProduction = installedPackages(files).filter((p) => {
        const entry = lock.packages[p];
        return !entry || entry.dev || entry.devOptional || entry.optional;
      });
      expect(notForProduction).toEqual([]);
      const paths = new Set(files.map((f) => f.path));
      for (const tool of BUILD_TOOLS) expect(paths.has(`node_modules/${tool}`), tool).toBe(false);
      expect(
        files.filter((f) => !f.path.startsWith('node_modules/') && /\.(ts|mts|cts)$/.test(f.path)),
      ).toEqual([]);
      expect(
        files.filter((f) => /(^|\/)\.env|\.jwk\.json$|\.pem$|\.tsbuildinfo$/.test(f.path)),
      ).toEqual([]);
      // COPY makes root the owner; nobody else may change a byte (links have no mode of their own)
      expect(files.filter((f) => f.uid !== 0 || f.gid !== 0).map((f) => f.path)).toEqual([]);
      expect(
        files.filter((f) => f.type !== 'l' && (f.mode & 0o022) !== 0).map((f) => f.path),
      ).toEqual([]);
      if (service === 'auth') {
        // npm ci --ignore-scripts: bcrypt must load the binary it ships, never one built at install
        expect(paths.has('node_modules/bcrypt/prebuilds/linux-x64/bcrypt.glibc.node')).toBe(true);
      }
      // the build's CA bundle was mounted, never copied
      await expect(
        runContainer({
          image: ref,
          network: 'none',
          args: ['test', '!', '-e', '/etc/ssl/host-ca.crt'],
        }),
      ).resolves.toBeDefined();
    });

    it('starts confined as its pod, answers /healthz and /readyz, serves a request, writes nothing and stops on SIGTERM', async () => {
      const [port, metricsPort] = [await freePort(), await freePort()];
      const container = await startContainer({
        image: ref,
        user: POD_USER,
        network: 'host',
        env: {
          ...env(inject('stack')),
          HOST: '127.0.0.1',
          PORT: String(port),
          METRICS_PORT: String(metricsPort),
          SHUTDOWN_DRAIN_DELAY_MS: '100',
        },
        volumes: [`${keysDir}:${KEYS_MOUNT}:ro`],
        // the pods mount an emptyDir there for libraries that might want one
        tmpfs: ['/tmp'],
      });
      const url = `http://127.0.0.1:${port}`;
      try {
        // a service that dies at start fails the test at once, with what it printed
        const died = container.wait().then((code) => {
          throw new Error(`${service} exited with ${code}`);
        });
        for (const path of ['/healthz', '/readyz']) {
          const answers = () => fetch(`${url}${path}`).then((r) => r.status === 200);
          await Promise.race([eventually(answers, 30_000, `${service} ${path}`), died]);
        }
        // the kernel's view: uid 1000 throughout, no capability at all, no way to gain privileges
        const status = readFileSync(`/proc/${await container.pid()}/status`, 'utf8');
        expect(/^Uid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/)).toEqual([
          '1000',
          '1000',
          '1000',
          '1000',
        ]);
        expect(/^Gid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/)).toEqual([
          '1000',
          '1000',
          '1000',
          '1000',
        ]);
        expect(/^CapEff:\s+(\S+)/m.exec(status)?.[1]).toBe('0000000000000000');
        expect(/^NoNewPrivs:\s+(\S+)/m.exec(status)?.[1]).toBe('1');
        expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
        await exercise(url);
        // nothing written even where it could have been
        expect((await container.exec(['find', '/tmp', '-mindepth', '1'])).stdout).toBe('');
        expect(await container.stop(), await container.logs()).toBe(0);
      } catch (error) {
        const logs = await container.logs().catch(() => '(no logs)');
        throw new Error(`${(error as Error).message}\n--- ${service} output ---\n${logs}`, {
          cause: error,
        });
      } finally {
        await container.remove();
      }
    });

    it('runs the migration CLI confined as the migration Job: everything already applied on the stack', async () => {
      const urls = migrationUrls(inject('stack'));
      const { stdout, stderr } = await runContainer({
        image: ref,
        user: POD_USER,
        network: 'host',
        env: { DATABASE_URLS: urls.join(',') },
        args: [
          'node',
          'services/shared/dist/migrate/cli.js',
          `services/${service}/prisma/migrations`,
        ],
      });
      const done = `${stdout}${stderr}`.match(/: 0 applied, [1-9]\d* already applied/g) ?? [];
      expect(done.length, stdout + stderr).toBe(urls.length);
    });
  });
}

describe('the node stand-in the images are built on', () => {
  it('has the Node.js of this project, the npm it bundles, the node user and the official entrypoint behaviour', async () => {
    const config = await imageConfig(NODE_IMAGE);
    expect(config.Cmd).toEqual(['node']);
    expect(config.Entrypoint).toEqual(['docker-entrypoint.sh']);
    expect(config.Labels?.['io.shardgate.stand-in']).toBe('true');
    const run = (args: string[]) =>
      runContainer({ image: NODE_IMAGE, user: POD_USER, network: 'none', args });
    // an option alone is node's, as with the official image's entrypoint
    expect((await run(['--version'])).stdout.trim()).toBe(`v${VERSIONS.node}`);
    const npm = (await run(['npm', '--version'])).stdout.trim();
    expect(config.Labels?.['io.shardgate.stand-in.contains']).toContain(`npm ${npm}`);
    expect(npm).toMatch(/^11\./);
    const script = 'id -un; echo $HOME; for c in node npm npx; do command -v $c; done; ls -A /tmp';
    expect((await run(['sh', '-c', script])).stdout).toBe(
      'node\n/home/node\n/usr/local/bin/node\n/usr/local/bin/npm\n/usr/local/bin/npx\n',
    );
  });
});
