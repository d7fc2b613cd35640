/**
 * The stand-ins of third-party images (scripts/cluster/images), run with podman as the rendered
 * manifests of k8s/dev run them (scripts/cluster/images/pod-container.ts): the pod's user and
 * fsGroup, its command, args and env, its volumes as host folders, a read-only root filesystem and
 * no capability. Postgres: the primary initialised through the chart's initdb ConfigMap, a standby
 * seeded by the chart's pg_basebackup initContainer, a second start on the same data. Redis with
 * the chart's command and config; Prometheus with the Deployment's arguments and ConfigMap; the
 * pod sandbox. podman is required: without it this fails, it never skips.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCommand } from '../../scripts/cluster/command.js';
import {
  type Container,
  runContainer,
  startContainer,
} from '../../scripts/cluster/images/container.js';
import { ensurePauseImage, PAUSE_IMAGE } from '../../scripts/cluster/images/pause-image.js';
import {
  type PodContainerOptions,
  type PodSpecLike,
  podContainerSpec,
} from '../../scripts/cluster/images/pod-container.js';
import {
  ensurePostgresImage,
  POSTGRES_IMAGE,
} from '../../scripts/cluster/images/postgres-image.js';
import {
  ensurePrometheusImage,
  PROMETHEUS_IMAGE,
} from '../../scripts/cluster/images/prometheus-image.js';
import { ensureRedisImage, REDIS_IMAGE } from '../../scripts/cluster/images/redis-image.js';
import { podman } from '../../scripts/cluster/podman.js';
import { environmentManifests } from '../support/k8s-environment.js';
import type { K8sObject } from '../support/k8s-manifests.js';
import { eventually, freePort } from '../support/wait.js';

const { objects } = environmentManifests('dev');
const configMaps = Object.fromEntries(
  objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o.data]),
) as PodContainerOptions['configMaps'];

function podOf(kind: string, name: string): PodSpecLike {
  const found = objects.find((o: K8sObject) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not found in k8s/dev`);
  return found.spec.template.spec as PodSpecLike;
}

async function labels(ref: string): Promise<Record<string, string>> {
  const format = '{{json .Config.Labels}}';
  return JSON.parse((await podman(['image', 'inspect', '--format', format, ref])).stdout);
}

/** Secrets with characters that break careless quoting. */
const secret = (label: string) => `${label}'"\\ $x-${randomBytes(6).toString('hex')}`;

let work: string;
let containers: Container[] = [];

/** A fresh folder under the test's work folder, writable by all as a fresh local volume is. */
function dir(name: string): string {
  const path = join(work, `${name}-${randomBytes(3).toString('hex')}`);
  mkdirSync(path);
  chmodSync(path, 0o777);
  return path;
}

async function start(spec: Parameters<typeof startContainer>[0]): Promise<Container> {
  const container = await startContainer(spec);
  containers.push(container);
  return container;
}

beforeAll(async () => {
  if (!(await hasCommand('podman'))) {
    throw new Error(
      'podman is not installed: this test builds and runs the stand-in images (scripts/bootstrap.sh)',
    );
  }
  work = mkdtempSync(join(tmpdir(), 'shardgate-stand-ins-'));
});

afterAll(async () => {
  for (const container of containers) await container.remove();
  containers = [];
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the postgres stand-in with charts/postgres-shard', () => {
  const primary = podOf('StatefulSet', 'postgres-auth-primary');
  const standby = podOf('StatefulSet', 'postgres-auth-standby');
  const secrets = {
    'postgres-password': secret('su'),
    'app-password': secret('app'),
    'replication-password': secret('repl'),
  };
  /** A plain value of the primary's env in the manifest. */
  const env = (name: string) =>
    primary.containers[0]?.env?.find((e) => e.name === name)?.value ?? '';
  const appUser = env('APP_USER');
  let dataDir: string;
  let port: number;
  let server: Container;

  /** Runs `sql` over TCP as `user` (the superuser in its database, others in the app's). */
  const query = async (user: string, password: string, sql: string, onPort = port) => {
    const database = user === 'postgres' ? 'postgres' : env('POSTGRES_DB');
    const c = new pg.Client({ host: '127.0.0.1', port: onPort, user, password, database });
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  };
  const startPrimary = async (overrides: Partial<typeof secrets> = {}) => {
    server = await start(
      podContainerSpec(primary, 'postgres', {
        configMaps,
        secrets: { ...secrets, ...overrides },
        workDir: dir('primary'),
        volumeDirs: { data: dataDir },
        publish: [`127.0.0.1:${port}:5432`],
      }),
    );
    const ready = () => query(appUser, secrets['app-password'], 'SELECT 1').then(() => true);
    await eventually(ready, 45_000, 'the postgres stand-in').catch(async (error) => {
      throw new Error(`${(error as Error).message}\n${await server.logs()}`);
    });
  };

  beforeAll(async () => {
    await ensurePostgresImage();
    dataDir = dir('data');
    port = await freePort();
  }, 900_000);

  it('is the image the manifests name, labelled with what it really is', async () => {
    const container = primary.containers.find((c) => c.name === 'postgres');
    expect(
      podContainerSpec(primary, 'postgres', { configMaps, secrets, workDir: dir('x') }).image,
    ).toBe(POSTGRES_IMAGE);
    expect(container?.securityContext).toMatchObject({
      runAsUser: 999,
      readOnlyRootFilesystem: true,
    });
    const found = await labels(POSTGRES_IMAGE);
    expect(found['io.shardgate.stand-in']).toBe('true');
    expect(found['io.shardgate.stand-in.contains']).toMatch(/^PostgreSQL 15\.\d+ from Debian 12/);
  });

  it('initialises an empty volume through the chart: initdb script, database, roles, password logins', async () => {
    await startPrimary();
    const logs = await server.logs();
    expect(logs).toContain('running /docker-entrypoint-initdb.d/10-replication.sh');
    const [who] = await query(
      appUser,
      secrets['app-password'],
      "SELECT current_user AS usr, current_database() AS db, pg_get_userbyid(d.datdba) AS owner, current_setting('lc_collate') AS collate, current_setting('listen_addresses') AS listen FROM pg_database d WHERE d.datname = current_database()",
    );
    expect(who).toEqual({
      usr: appUser,
      db: env('POSTGRES_DB'),
      owner: appUser,
      collate: 'en_US.utf8',
      listen: '*',
    });
    const [repl] = await query(
      'postgres',
      secrets['postgres-password'],
      `SELECT rolreplication, rolcanlogin FROM pg_roles WHERE rolname = '${env('REPLICATION_USER')}'`,
    );
    expect(repl).toEqual({ rolreplication: true, rolcanlogin: true });
    // from outside the container every login proves its password (scram-sha-256)
    await expect(query(appUser, 'wrong', 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });
    // the chart's probes, from inside
    const probe = primary.containers[0] as { readinessProbe?: { exec?: { command: string[] } } };
    await expect(
      server.exec(probe.readinessProbe?.exec?.command ?? ['false']),
    ).resolves.toBeDefined();
  }, 120_000);

  it("seeds a standby with the chart's prepare-data initContainer, which then streams from the primary", async () => {
    const standbyData = dir('standby-data');
    const [standbyPort, volumeDirs] = [await freePort(), { data: standbyData }];
    const common = { configMaps, secrets, volumeDirs, network: 'host' };
    await runContainer(
      podContainerSpec(standby, 'prepare-data', {
        ...common,
        workDir: dir('prepare-data'),
        podName: 'postgres-test-standby-0',
        // the -rw Service's name, resolved by cluster DNS in a pod
        envOverrides: { PRIMARY_HOST: '127.0.0.1', PRIMARY_PORT: String(port) },
      }),
    );
    const replica = await start(
      podContainerSpec(standby, 'postgres', {
        ...common,
        workDir: dir('standby'),
        // this machine's network: its own port, on loopback only
        extraArgs: ['-c', `port=${standbyPort}`, '-c', 'listen_addresses=127.0.0.1'],
      }),
    );
    const su = secrets['postgres-password'];
    await query(
      'postgres',
      su,
      "CREATE TABLE IF NOT EXISTS streamed (v text); INSERT INTO streamed VALUES ('hello')",
    );
    const streamed = () =>
      query(
        'postgres',
        su,
        'SELECT pg_is_in_recovery() AS standby, (SELECT v FROM streamed) AS v',
        standbyPort,
      ).then((rows) => rows[0]?.standby === true && rows[0]?.v === 'hello');
    await eventually(streamed, 45_000, 'the row on the standby').catch(async (error) => {
      throw new Error(`${(error as Error).message}\n${await replica.logs()}`);
    });
    // through the slot the initContainer made, named after the pod
    expect(
      await query('postgres', su, 'SELECT slot_name, active FROM pg_replication_slots'),
    ).toEqual([{ slot_name: 'postgres_test_standby_0', active: true }]);
    expect(await replica.stop()).toBe(0);
  }, 120_000);

  it('starts again on the same data without initialising it again', async () => {
    expect(await server.stop()).toBe(0);
    await startPrimary({ 'postgres-password': 'changed-but-ignored' });
    const logs = await server.logs();
    expect(logs).toContain('already holds a database: skipping initialisation');
    expect(logs).not.toContain('docker-entrypoint-initdb.d');
    await expect(query('postgres', secrets['postgres-password'], 'SELECT 1')).resolves.toHaveLength(
      1,
    );
    await expect(query('postgres', 'changed-but-ignored', 'SELECT 1')).rejects.toMatchObject({
      code: '28P01',
    });
    expect(await server.stop()).toBe(0);
  }, 120_000);

  it('refuses to initialise an empty volume without a superuser password', async () => {
    const spec = podContainerSpec(primary, 'postgres', {
      configMaps,
      secrets: { ...secrets, 'postgres-password': '' },
      workDir: dir('no-password'),
    });
    await expect(runContainer(spec)).rejects.toThrow(/POSTGRES_PASSWORD is empty/);
  });
});

/** Sends Redis commands (RESP arrays) and returns the replies once `replies` have arrived. */
function redisExchange(port: number, commands: string[][], replies: number): Promise<string> {
  const encode = (args: string[]) =>
    `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(commands.map(encode).join('')));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.split('\r\n').filter((l) => /^[+\-:]/.test(l)).length >= replies) {
        socket.end();
        resolve(received);
      }
    });
    socket.on('error', reject);
    socket.setTimeout(5_000, () =>
      reject(new Error(`redis answered only ${JSON.stringify(received)}`)),
    );
  });
}

describe('the redis stand-in with charts/redis', () => {
  const pod = podOf('StatefulSet', 'redis');
  const password = secret('redis');

  beforeAll(async () => {
    await ensureRedisImage();
  }, 900_000);

  it("runs the chart's command and config as uid 999 on a read-only root: password required, memory limit set", async () => {
    const port = await freePort();
    const spec = podContainerSpec(pod, 'redis', {
      configMaps,
      secrets: { 'redis-password': password },
      workDir: dir('redis'),
      publish: [`127.0.0.1:${port}:6379`],
    });
    expect(spec.image).toBe(REDIS_IMAGE);
    expect((await labels(REDIS_IMAGE))['io.shardgate.stand-in.contains']).toMatch(/^Redis 7\.0\./);
    const redis = await start(spec);
    const pong = () =>
      redisExchange(port, [['AUTH', password], ['PING']], 2).then((r) => r === '+OK\r\n+PONG\r\n');
    await eventually(pong, 30_000, 'redis').catch(async (error) => {
      throw new Error(`${(error as Error).message}\n${await redis.logs()}`);
    });
    expect(await redisExchange(port, [['PING']], 1)).toMatch(/^-NOAUTH/);
    // the chart's probe, and redis-cli authenticating with REDISCLI_AUTH from the pod's env
    const probe = pod.containers[0] as { livenessProbe?: { exec?: { command: string[] } } };
    await expect(
      redis.exec(probe.livenessProbe?.exec?.command ?? ['false']),
    ).resolves.toBeDefined();
    const { stdout } = await redis.exec([
      'redis-cli',
      '-h',
      '127.0.0.1',
      'CONFIG',
      'GET',
      'maxmemory',
    ]);
    expect(stdout.split('\n')[1]).toBe(String(200 * 1024 * 1024));
    expect(await redis.stop()).toBe(0);
  });
});

describe('the prometheus stand-in with k8s/dev/prometheus.k8s.yaml', () => {
  const pod = podOf('Deployment', 'prometheus');

  beforeAll(async () => {
    await ensurePrometheusImage();
  }, 900_000);

  it("starts with the Deployment's arguments and ConfigMap as nobody on a read-only root and becomes ready", async () => {
    const port = await freePort();
    const spec = podContainerSpec(pod, 'prometheus', {
      configMaps,
      secrets: {},
      workDir: dir('prometheus'),
      publish: [`127.0.0.1:${port}:9090`],
    });
    expect(spec.image).toBe(PROMETHEUS_IMAGE);
    expect(spec.user).toBe('65534:65534');
    const prometheus = await start(spec);
    const url = `http://127.0.0.1:${port}`;
    await eventually(
      () => fetch(`${url}/-/ready`).then((r) => r.status === 200),
      60_000,
      'prometheus /-/ready',
    ).catch(async (error) => {
      throw new Error(`${(error as Error).message}\n${await prometheus.logs()}`);
    });
    const flags = (await (await fetch(`${url}/api/v1/status/flags`)).json()) as {
      data: Record<string, string>;
    };
    expect(flags.data['storage.tsdb.retention.time']).toBe('1d');
    const build = (await (await fetch(`${url}/api/v1/status/buildinfo`)).json()) as {
      data: { version: string };
    };
    expect(`v${build.data.version}`).toBe(PROMETHEUS_IMAGE.split(':')[1]);
    const { stdout } = await prometheus.exec([
      'promtool',
      'check',
      'config',
      '/etc/prometheus/prometheus.yml',
    ]);
    expect(stdout).toContain('SUCCESS');
    expect(await prometheus.stop()).toBe(0);
  });
});

describe('the pod sandbox stand-in', () => {
  beforeAll(async () => {
    await ensurePauseImage();
  }, 900_000);

  it('is a static pause alone in its image, as uid 65535, and exits 0 on SIGTERM', async () => {
    const config = JSON.parse(
      (await podman(['image', 'inspect', '--format', '{{json .Config}}', PAUSE_IMAGE])).stdout,
    ) as { User: string; Entrypoint: string[] };
    expect(config.User).toBe('65535:65535');
    expect(config.Entrypoint).toEqual(['/pause']);
    const { stdout } = await runContainer({ image: PAUSE_IMAGE, network: 'none', args: ['-v'] });
    expect(stdout).toMatch(/^pause\.c v3\.10(\.\d+)?-kubernetes-v1\.34\.\d+\n$/);
    const sandbox = await start({ image: PAUSE_IMAGE, network: 'none' });
    expect(await sandbox.stop()).toBe(0);
  });
});
