/**
 * The image recipes, checked without a container engine (none runs here): each Dockerfile is
 * replayed step by step (tests/support/dockerfile-replay.ts) in a clean copy of the repository,
 * then its final stage is inspected and started the way a container would start it: its CMD, from
 * its WORKDIR, with its ENV, as its USER, on the test stack's databases and Redis.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/stack/layout.js';
import type { StackInfo } from '../../scripts/stack/stack-info.js';
import { freshUserId, testApiEnv, tokenFor } from '../../services/api/test/support/api-server.js';
import { generateSigningJwk } from '../../services/auth/src/domain/signing-keys.js';
import { call, newUser } from '../../services/auth/test/support/auth-server.js';
import { type ReplayedImage, replayDockerfile } from '../support/dockerfile-replay.js';
import { eventually, freePort } from '../support/wait.js';

/** What differs between the two images. */
interface ImageCase {
  readonly service: 'auth' | 'api';
  /** The service's environment on the test stack (ports are added by the test). */
  env(stack: StackInfo, keysDir: string): Record<string, string>;
  /** Databases its migration Job migrates. */
  migrationUrls(stack: StackInfo): string[];
  /** One real request through Prisma and the native or WebAssembly parts of the image. */
  exercise(url: string): Promise<void>;
}

const CASES: readonly ImageCase[] = [
  {
    service: 'auth',
    env: (stack, keysDir) => ({
      DATABASE_URL: stack.pg.auth.primary,
      DATABASE_REPLICA_URLS: stack.pg.auth.replica,
      REDIS_URL: stack.redisUrl,
      // as in the pod: the keys are files of a mounted Secret; NODE_ENV=production never makes one
      AUTH_KEYS_DIR: keysDir,
      BCRYPT_COST: '4',
    }),
    migrationUrls: (stack) => [stack.pg.auth.primary],
    async exercise(url) {
      // registration and login: Prisma's query compiler, bcrypt's prebuilt binary, zxcvbn
      await newUser(url);
    },
  },
  {
    service: 'api',
    env: (stack) => testApiEnv(stack) as Record<string, string>,
    migrationUrls: (stack) => [stack.pg.shard0.primary, stack.pg.shard1.primary],
    async exercise(url) {
      const me = await call(url, 'GET', '/api/me', { token: await tokenFor(freshUserId()) });
      expect(me.status, me.text).toBe(200);
    },
  },
];

/** Dev-only tools that must never reach a runtime image. */
const BUILD_TOOLS = ['typescript', 'vitest', 'prisma', '@prisma/engines', 'tsx', '@biomejs/biome'];

let work: string;
let context: string;
let keysDir: string;

/**
 * The build context a CI checkout would send: the files git knows (tracked, or new and not
 * ignored) as they are in the working tree — never local builds, installs or stack state.
 */
function cleanContext(into: string): void {
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    },
  );
  for (const file of listed.split('\0').filter(Boolean)) {
    if (!existsSync(join(REPO_ROOT, file))) continue; // deleted but not yet committed
    mkdirSync(dirname(join(into, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(into, file), { verbatimSymlinks: true });
  }
}

/** Every file under `dir`, relative to it. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** The packages installed in `node_modules` (nested ones too), as lockfile keys. */
function installedPackages(appDir: string): string[] {
  return listFiles(join(appDir, 'node_modules'))
    .filter((f) => f.endsWith('package.json'))
    .map((f) => `node_modules/${dirname(f)}`)
    .filter((p) => /(^|\/)node_modules\/(@[^/]+\/)?[^/@]+$/.test(p));
}

/**
 * Spawns `args` of the image's node from its WORKDIR with its ENV, as its USER when this run is
 * root (otherwise as this unprivileged user). HOME does not exist: the root filesystem is read-only.
 */
function runInImage(
  image: ReplayedImage,
  args: readonly string[],
  env: Record<string, string>,
): ChildProcess {
  const [uid, gid] = (image.user ?? '0:0').split(':').map(Number);
  const asUser = process.getuid?.() === 0 ? { uid, gid: gid ?? uid } : {};
  return spawn(process.execPath, args, {
    cwd: image.hostPath(image.workdir),
    env: { ...image.env, HOME: image.hostPath('/home/node'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...asUser,
  });
}

/** Collects a child's output and its exit code. */
function outcome(child: ChildProcess): { output: () => string; exited: Promise<number | null> } {
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { output: () => output, exited };
}

beforeAll(() => {
  // readable by the image's uid, which is not the owner: the stage roots live under this folder
  work = mkdtempSync(join(tmpdir(), 'shardgate-images-'));
  chmodSync(work, 0o755);
  context = join(work, 'context');
  cleanContext(context);
  keysDir = join(work, 'keys');
  mkdirSync(keysDir, { mode: 0o755 });
  const jwk = generateSigningJwk();
  writeFileSync(join(keysDir, `${jwk.kid}.jwk.json`), JSON.stringify(jwk), { mode: 0o644 });
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

for (const { service, env, migrationUrls, exercise } of CASES) {
  describe(`Dockerfile.${service}`, () => {
    let image: ReplayedImage;
    let app: string;

    beforeAll(async () => {
      image = await replayDockerfile({
        dockerfile: join(REPO_ROOT, `Dockerfile.${service}`),
        context,
        workDir: work,
      });
      chmodSync(image.root, 0o755);
      app = image.hostPath('/app');
    }, 240_000);

    it('has the layout, user, ports and command the Kubernetes manifests rely on', () => {
      expect(image.baseImage).toMatch(/^node:20\.\d+\.\d+-bookworm-slim$/);
      expect(image.workdir).toBe('/app');
      expect(image.cmd).toEqual(['node', `services/${service}/dist/main.js`]);
      expect(image.env.NODE_ENV).toBe('production');
      expect(image.user).toBe('1000:1000'); // the base image's `node` user
      expect(image.exposedPorts).toEqual(['8080', '9464']);
      for (const path of [
        `services/${service}/dist/main.js`,
        'services/shared/dist/migrate/cli.js',
        `services/${service}/openapi.json`,
        'node_modules/@shardgate/shared/dist/index.js',
        'node_modules/@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs',
      ]) {
        expect(existsSync(join(app, path)), path).toBe(true);
      }
      const migrations = readdirSync(join(app, `services/${service}/prisma/migrations`));
      expect(
        migrations.some((m) =>
          existsSync(join(app, `services/${service}/prisma/migrations/${m}/migration.sql`)),
        ),
      ).toBe(true);
    });

    it('holds production dependencies only, no TypeScript and nothing secret', () => {
      const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean }>;
      };
      const notForProduction = installedPackages(app).filter((p) => {
        const entry = lock.packages[p];
        return !entry || entry.dev || entry.devOptional || entry.optional;
      });
      expect(notForProduction).toEqual([]);
      for (const tool of BUILD_TOOLS)
        expect(existsSync(join(app, 'node_modules', tool)), tool).toBe(false);
      const files = listFiles(app);
      expect(
        files.filter((f) => !f.startsWith('node_modules/') && /\.(ts|mts|cts)$/.test(f)),
      ).toEqual([]);
      expect(files.filter((f) => /(^|\/)\.env|\.jwk\.json$|\.pem$|\.tsbuildinfo$/.test(f))).toEqual(
        [],
      );
      if (service === 'auth') {
        // npm ci --ignore-scripts: bcrypt must load the binary it ships, never one built at install
        expect(
          existsSync(join(app, 'node_modules/bcrypt/prebuilds/linux-x64/bcrypt.glibc.node')),
        ).toBe(true);
      }
    });

    it('starts from its CMD as a non-root user, answers /healthz and /readyz, serves a request and writes nothing', async () => {
      const before = listFiles(app);
      const [port, metricsPort] = [await freePort(), await freePort()];
      const child = runInImage(image, image.cmd.slice(1), {
        ...env(inject('stack'), keysDir),
        HOST: '127.0.0.1',
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        SHUTDOWN_DRAIN_DELAY_MS: '100',
      });
      const { output, exited } = outcome(child);
      const url = `http://127.0.0.1:${port}`;
      // a service that dies at start fails the test at once, with what it printed
      const died = exited.then((code) => {
        throw new Error(`${service} exited with ${code}`);
      });
      try {
        for (const path of ['/healthz', '/readyz']) {
          const answers = () => fetch(`${url}${path}`).then((r) => r.status === 200);
          await Promise.race([eventually(answers, 20_000, `${service} ${path}`), died]);
        }
        // the kernel's view, not the spawn options: the service runs as the image's uid, never root
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
        expect(uid).toBe(
          process.getuid?.() === 0 ? image.user?.split(':')[0] : String(process.getuid?.()),
        );
        expect(uid).not.toBe('0');
        expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
        await exercise(url);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- ${service} output ---\n${output()}`, {
          cause: error,
        });
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited, output()).toBe(0);
      expect(listFiles(app)).toEqual(before);
    });

    it('runs the migration CLI from the image: everything already applied on the stack', async () => {
      const child = runInImage(
        image,
        ['services/shared/dist/migrate/cli.js', `services/${service}/prisma/migrations`],
        {
          DATABASE_URLS: migrationUrls(inject('stack')).join(','),
        },
      );
      const { output, exited } = outcome(child);
      expect(await exited, output()).toBe(0);
      const done = output().match(/: 0 applied, [1-9]\d* already applied/g) ?? [];
      expect(done.length, output()).toBe(migrationUrls(inject('stack')).length);
    });
  });
}
