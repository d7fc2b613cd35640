import { execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import {
  CLUSTERS,
  type ClusterName,
  ensureUnprivilegedDir,
  type PgRole,
  type StackLayout,
} from './layout.js';
import { isAlive, stopProcess, waitUntil } from './processes.js';
import { isRoot, run } from './run.js';
import type { StackSecrets } from './state.js';

/** The superuser every cluster is created with; the services connect as it in the local stack. */
export const PG_USER = 'shardgate';
/** Postgres refuses to run as root; this is the account it runs as when we are root. */
const PG_OS_USER = 'postgres';

/** The database each cluster holds. */
export function databaseName(cluster: ClusterName): string {
  return cluster === 'auth' ? 'auth' : 'orders';
}

/** One Postgres server of the stack. */
export interface PgInstance {
  /** `pg-<cluster>-<role>`, the component id. */
  readonly id: string;
  readonly cluster: ClusterName;
  readonly role: PgRole;
  readonly port: number;
  readonly dataDir: string;
  readonly logFile: string;
}

/** Every Postgres server of the stack, primaries first. */
export function pgInstances(layout: StackLayout): PgInstance[] {
  const base = join(layout.unprivilegedDir, 'pg');
  const roles: PgRole[] = ['primary', 'replica'];
  return roles.flatMap((role) =>
    CLUSTERS.map((cluster) => ({
      id: `pg-${cluster}-${role}`,
      cluster,
      role,
      port: layout.ports.pg[cluster][role],
      dataDir: join(base, `${cluster}-${role}`),
      logFile: join(base, 'logs', `${cluster}-${role}.log`),
    })),
  );
}

/** The connection URL of a cluster's primary or replica. */
export function pgUrl(
  layout: StackLayout,
  secrets: StackSecrets,
  cluster: ClusterName,
  role: PgRole,
  database = databaseName(cluster),
): string {
  const port = layout.ports.pg[cluster][role];
  return `postgresql://${PG_USER}:${secrets.pgPassword}@127.0.0.1:${port}/${database}`;
}

/** Where `initdb`, `pg_ctl` and `pg_basebackup` live: `PG_BIN`, else the newest Debian install. */
export function pgBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error('PostgreSQL server binaries not found; run `npm run bootstrap` or set PG_BIN');
  }
  return `/usr/lib/postgresql/${newest}/bin`;
}

/** The pid of a running server, read from its `postmaster.pid`; null when it is not running. */
export function postmasterPid(instance: PgInstance): number | null {
  const file = join(instance.dataDir, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

function osUserIds(): { uid: number; gid: number } | null {
  if (!isRoot()) return null;
  const uid = Number(execFileSync('id', ['-u', PG_OS_USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', PG_OS_USER]).toString().trim());
  return { uid, gid };
}

/** Writes a file the Postgres account must own (it refuses files and folders it does not own). */
function writeOwned(path: string, content: string, mode = 0o600): void {
  writeFileSync(path, content, { mode });
  const ids = osUserIds();
  if (ids) chownSync(path, ids.uid, ids.gid);
}

function mkdirOwned(path: string, mode = 0o700): void {
  mkdirSync(path, { recursive: true, mode });
  const ids = osUserIds();
  if (ids) chownSync(path, ids.uid, ids.gid);
}

const PG = { asUserWhenRoot: PG_OS_USER };

/**
 * Per-start settings, rewritten before every start so that a changed port offset takes effect on
 * an existing data folder. The main `postgresql.conf` includes this file.
 */
function writeStartSettings(
  instance: PgInstance,
  layout: StackLayout,
  secrets: StackSecrets,
): void {
  const lines = [
    '# written by scripts/stack before every start; do not edit',
    `port = ${instance.port}`,
    "listen_addresses = '127.0.0.1'",
    "unix_socket_directories = ''",
  ];
  if (instance.role === 'replica') {
    const primaryPort = layout.ports.pg[instance.cluster].primary;
    lines.push(
      `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=${PG_USER} password=${secrets.pgPassword} application_name=${instance.cluster}-replica'`,
      `primary_slot_name = '${slotName(instance.cluster)}'`,
    );
  }
  writeOwned(join(instance.dataDir, 'shardgate.conf'), `${lines.join('\n')}\n`);
}

const slotName = (cluster: ClusterName) => `${cluster}_replica`;

/** Settings of every server, appended once to `postgresql.conf` at initdb (copied to standbys). */
const CLUSTER_SETTINGS = `
# shardgate local stack
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = '256MB'
hot_standby = on
hot_standby_feedback = on
max_connections = 200
shared_buffers = '64MB'
log_line_prefix = '%m [%p] %q%u@%d '
include_if_exists = 'shardgate.conf'
`;

async function initPrimary(instance: PgInstance, secrets: StackSecrets): Promise<void> {
  const pwFile = join(instance.dataDir, '..', `.pw-${instance.cluster}`);
  writeOwned(pwFile, `${secrets.pgPassword}\n`);
  try {
    await run(
      join(pgBinDir(), 'initdb'),
      [
        '-D',
        instance.dataDir,
        '-U',
        PG_USER,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--no-instructions',
      ],
      PG,
    );
  } finally {
    rmSync(pwFile, { force: true });
  }
  const conf = join(instance.dataDir, 'postgresql.conf');
  writeOwned(conf, readFileSync(conf, 'utf8') + CLUSTER_SETTINGS);
}

async function startServer(
  instance: PgInstance,
  layout: StackLayout,
  secrets: StackSecrets,
): Promise<void> {
  writeStartSettings(instance, layout, secrets);
  await run(
    join(pgBinDir(), 'pg_ctl'),
    ['-D', instance.dataDir, '-l', instance.logFile, '-w', '-t', '90', 'start'],
    PG,
  );
}

/** Runs `fn` with a client connected to a server of the stack. */
export async function withPg<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function ensureDatabaseAndSlot(
  layout: StackLayout,
  secrets: StackSecrets,
  cluster: ClusterName,
): Promise<void> {
  await withPg(pgUrl(layout, secrets, cluster, 'primary', 'postgres'), async (client) => {
    const name = databaseName(cluster);
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
    await client.query(
      `SELECT pg_create_physical_replication_slot($1)
        WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)`,
      [slotName(cluster)],
    );
  });
}

async function cloneStandby(
  layout: StackLayout,
  secrets: StackSecrets,
  replica: PgInstance,
): Promise<void> {
  await run(
    join(pgBinDir(), 'pg_basebackup'),
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(layout.ports.pg[replica.cluster].primary),
      '-U',
      PG_USER,
      '-D',
      replica.dataDir,
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-password',
    ],
    { ...PG, env: { ...process.env, PGPASSWORD: secrets.pgPassword } },
  );
  writeOwned(join(replica.dataDir, 'standby.signal'), '');
}

/** The state a server reports about itself; `null` fields when it does not answer. */
export interface PgHealth {
  readonly up: boolean;
  readonly inRecovery: boolean | null;
  /** On a primary: the `state` of its standby in `pg_stat_replication` (`streaming` when healthy). */
  readonly replication: string | null;
}

/** Asks one server whether it is up, whether it is a standby, and how its standby streams. */
export async function pgHealth(
  layout: StackLayout,
  secrets: StackSecrets,
  instance: PgInstance,
): Promise<PgHealth> {
  try {
    return await withPg(
      pgUrl(layout, secrets, instance.cluster, instance.role, 'postgres'),
      async (client) => {
        const recovery = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
        let replication: string | null = null;
        if (instance.role === 'primary') {
          const rows = await client.query<{ state: string }>(
            'SELECT state FROM pg_stat_replication WHERE application_name = $1',
            [`${instance.cluster}-replica`],
          );
          replication = rows.rows[0]?.state ?? 'no standby';
        }
        return { up: true, inRecovery: recovery.rows[0]?.r ?? null, replication };
      },
    );
  } catch {
    return { up: false, inRecovery: null, replication: null };
  }
}

/**
 * Makes one cluster run: initdb the primary if needed, start it, create its database and the
 * standby's replication slot, clone the standby with `pg_basebackup` if needed, start it, and wait
 * until the primary reports it `streaming`. Already-running servers are left alone.
 */
export async function ensureCluster(
  layout: StackLayout,
  secrets: StackSecrets,
  cluster: ClusterName,
  onStarted: (instance: PgInstance, pid: number) => void,
): Promise<void> {
  const [primary, replica] = (['primary', 'replica'] as const).map(
    (role) =>
      pgInstances(layout).find((i) => i.cluster === cluster && i.role === role) as PgInstance,
  ) as [PgInstance, PgInstance];
  const base = join(layout.unprivilegedDir, 'pg');
  ensureUnprivilegedDir(layout);
  mkdirOwned(base);
  mkdirOwned(join(base, 'logs'));

  if (!existsSync(join(primary.dataDir, 'PG_VERSION'))) {
    rmSync(primary.dataDir, { recursive: true, force: true });
    await initPrimary(primary, secrets);
  }
  if (postmasterPid(primary) === null) await startServer(primary, layout, secrets);
  onStarted(primary, postmasterPid(primary) as number);
  await ensureDatabaseAndSlot(layout, secrets, cluster);

  if (!existsSync(join(replica.dataDir, 'PG_VERSION'))) {
    rmSync(replica.dataDir, { recursive: true, force: true });
    await cloneStandby(layout, secrets, replica);
  }
  if (postmasterPid(replica) === null) await startServer(replica, layout, secrets);
  onStarted(replica, postmasterPid(replica) as number);

  await waitUntil(
    async () => (await pgHealth(layout, secrets, primary)).replication === 'streaming',
    60_000,
    `${cluster}-replica to stream from its primary (see ${replica.logFile})`,
  );
}

/** Stops one server with a fast shutdown (SIGINT): sessions are closed, nothing is lost. */
export async function stopPg(instance: PgInstance): Promise<void> {
  const pid = postmasterPid(instance);
  if (pid !== null) await stopProcess(pid, 'SIGINT', 30_000);
}
