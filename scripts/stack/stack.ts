import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrationsEverywhere, type MigrationTarget } from '@shardgate/shared/migrate';
import { CLUSTERS, type StackLayout } from './layout.js';
import { mailpitCommand, mailpitReady } from './mailpit.js';
import { gatewayCommand } from './nginx.js';
import {
  ensureCluster,
  type PgInstance,
  pgHealth,
  pgInstances,
  pgUrl,
  postmasterPid,
  stopPg,
} from './postgres.js';
import {
  httpStatus,
  isOurProcess,
  portInUse,
  spawnDetached,
  stopProcess,
  waitUntil,
} from './processes.js';
import { prometheusCommand } from './prometheus.js';
import { redisCommand, redisPing } from './redis.js';
import {
  SERVICES,
  type ServiceName,
  serviceBuildVersion,
  serviceBuilt,
  serviceEntry,
  serviceEnv,
  servicePorts,
} from './services.js';
import { type StackInfo, stackInfo } from './stack-info.js';
import { readState, recordComponent, type StackSecrets, stackSecrets } from './state.js';

/** How `up` reports progress; the CLI prints, tests stay quiet. */
export type Reporter = (line: string) => void;

/** One process of the stack that is not Postgres (Postgres servers are managed by `pg_ctl`). */
interface ProcessComponent {
  readonly id: string;
  readonly port: number;
  /** Found in the process's command line, to recognise it after a restart of the CLI. */
  readonly marker: string;
  readonly command: () => Promise<[string, string[]]> | [string, string[]];
  readonly env: NodeJS.ProcessEnv;
  readonly healthy: () => Promise<boolean>;
  readonly stopSignal: NodeJS.Signals;
  /** Identifies what would be started now; a running process of another version is restarted. */
  readonly version?: () => string;
}

function processComponents(layout: StackLayout, secrets: StackSecrets): ProcessComponent[] {
  const { ports } = layout;
  const redis: ProcessComponent = {
    id: 'redis',
    port: ports.redis,
    marker: 'redis-server',
    command: () => redisCommand(layout, secrets),
    env: process.env,
    healthy: () => redisPing(ports.redis, secrets.redisPassword),
    stopSignal: 'SIGTERM',
  };
  const mailpit: ProcessComponent = {
    id: 'mailpit',
    port: ports.mailpitSmtp,
    marker: join(layout.dir, 'mailpit', 'mailpit.db'),
    // builds Mailpit on first use: a fresh machine gets it from `npm run up` or `npm test`
    command: () => mailpitCommand(layout),
    env: process.env,
    // the SMTP listener is what the auth service needs; the HTTP API is what tests read
    healthy: async () => (await mailpitReady(layout)) && (await portInUse(ports.mailpitSmtp)),
    stopSignal: 'SIGTERM',
  };
  const services = SERVICES.filter((service) => serviceBuilt(layout, service)).map(
    (service): ProcessComponent => ({
      id: service,
      port: servicePorts(layout, service).http,
      marker: serviceEntry(layout, service),
      command: () => [process.execPath, [serviceEntry(layout, service)]],
      env: serviceEnv(layout, secrets, service),
      healthy: async () =>
        (await httpStatus(`http://127.0.0.1:${servicePorts(layout, service).http}/readyz`)) === 200,
      stopSignal: 'SIGTERM',
      version: () => serviceBuildVersion(layout, service),
    }),
  );
  const gateway: ProcessComponent = {
    id: 'gateway',
    port: ports.gateway,
    marker: join(layout.dir, 'nginx', 'nginx.conf'),
    command: () => gatewayCommand(layout),
    env: process.env,
    // any HTTP answer means nginx serves; unknown paths answer 404 by design
    healthy: async () => (await httpStatus(`http://127.0.0.1:${ports.gateway}/`)) === 404,
    stopSignal: 'SIGQUIT',
  };
  const prometheus: ProcessComponent = {
    id: 'prometheus',
    port: ports.prometheus,
    marker: join(layout.dir, 'prometheus', 'prometheus.yml'),
    command: () => prometheusCommand(layout),
    env: process.env,
    healthy: async () => (await httpStatus(`http://127.0.0.1:${ports.prometheus}/-/ready`)) === 200,
    stopSignal: 'SIGTERM',
  };
  // before the services, so that the auth service's first delivery finds its SMTP server
  return [redis, mailpit, ...services, gateway, prometheus];
}

/** Options of {@link up}. */
export interface UpOptions {
  /** Delete the stack's state first (data included) and start from nothing. @default false */
  readonly fresh?: boolean;
  readonly report?: Reporter;
}

/**
 * Starts every component that is not already running, waits until each is healthy, applies the
 * migrations, and returns how to reach the stack. Running it again on a running stack changes
 * nothing. A port taken by a foreign process is an error naming the port.
 */
export async function up(layout: StackLayout, options: UpOptions = {}): Promise<StackInfo> {
  const report = options.report ?? (() => {});
  if (options.fresh) {
    await down(layout);
    rmSync(layout.dir, { recursive: true, force: true });
    if (layout.unprivilegedDir !== layout.dir)
      rmSync(layout.unprivilegedDir, { recursive: true, force: true });
  }
  mkdirSync(layout.logDir, { recursive: true });
  const secrets = stackSecrets(layout);
  await refuseForeignPorts(layout, secrets);

  report('postgres: primaries and streaming standbys');
  await Promise.all(
    CLUSTERS.map((cluster) =>
      ensureCluster(layout, secrets, cluster, (instance, pid) =>
        recordComponent(layout, instance.id, {
          pid,
          port: instance.port,
          marker: 'postgres',
          logFile: instance.logFile,
        }),
      ),
    ),
  );
  await migrate(layout, secrets, report);

  for (const component of processComponents(layout, secrets)) {
    await ensureProcess(layout, component, report);
  }
  for (const service of SERVICES.filter((s) => !serviceBuilt(layout, s))) {
    report(`${service}: not built (run npm run build); skipped`);
  }
  return stackInfo(layout, secrets);
}

/** The migrations of each service and the databases they apply to. */
export function migrationTargets(layout: StackLayout, secrets: StackSecrets): MigrationTarget[] {
  const dir = (service: ServiceName) =>
    join(layout.repoRoot, 'services', service, 'prisma', 'migrations');
  const targets: MigrationTarget[] = [];
  if (existsSync(dir('auth')))
    targets.push({
      databaseUrl: pgUrl(layout, secrets, 'auth', 'primary'),
      migrationsDir: dir('auth'),
    });
  if (existsSync(dir('api'))) {
    for (const shard of ['shard0', 'shard1'] as const) {
      targets.push({
        databaseUrl: pgUrl(layout, secrets, shard, 'primary'),
        migrationsDir: dir('api'),
      });
    }
  }
  return targets;
}

async function migrate(
  layout: StackLayout,
  secrets: StackSecrets,
  report: Reporter,
): Promise<void> {
  const targets = migrationTargets(layout, secrets);
  if (targets.length === 0) return;
  const reports = await applyMigrationsEverywhere(targets);
  const applied = reports.reduce((n, r) => n + r.applied.length, 0);
  report(`migrations: ${applied} applied on ${reports.length} databases`);
}

async function refuseForeignPorts(layout: StackLayout, secrets: StackSecrets): Promise<void> {
  const state = readState(layout);
  const ours = (id: string) => {
    const record = state[id];
    return record !== undefined && isOurProcess(record.pid, record.marker);
  };
  const wanted = [
    ...processComponents(layout, secrets).map((c) => ({ id: c.id, port: c.port })),
    ...pgInstances(layout).map((i) => ({ id: i.id, port: i.port })),
  ];
  for (const { id, port } of wanted) {
    if (!ours(id) && (await portInUse(port))) {
      throw new Error(
        `port ${port} (for ${id}) is in use by another process; stop it, or shift the stack's ports with STACK_PORT_OFFSET`,
      );
    }
  }
}

async function ensureProcess(
  layout: StackLayout,
  component: ProcessComponent,
  report: Reporter,
): Promise<void> {
  const record = readState(layout)[component.id];
  const version = component.version?.();
  const current = record?.version === version;
  if (record && isOurProcess(record.pid, record.marker) && current) {
    // ours and up to date: a slow health answer (a loaded machine) is waited for, never a restart
    await waitUntil(
      component.healthy,
      60_000,
      `${component.id} (pid ${record.pid}) to answer its health check`,
    );
    report(`${component.id}: already running (pid ${record.pid})`);
    return;
  }
  if (record && !current) report(`${component.id}: rebuilt since it started; restarting`);
  if (record && isOurProcess(record.pid, record.marker))
    await stopProcess(record.pid, component.stopSignal);
  const [command, args] = await component.command();
  const logFile = join(layout.logDir, `${component.id}.log`);
  const pid = spawnDetached(command, args, { env: component.env, logFile, cwd: layout.repoRoot });
  recordComponent(layout, component.id, {
    pid,
    port: component.port,
    marker: component.marker,
    logFile,
    ...(version !== undefined ? { version } : {}),
  });
  await waitUntil(
    async () => {
      if (!isOurProcess(pid, component.marker))
        throw new Error(`${component.id} exited; see ${logFile}`);
      return component.healthy();
    },
    60_000,
    `${component.id} on port ${component.port} (log: ${logFile})`,
  ).catch((error: Error) => {
    throw new Error(`${component.id} did not become healthy: ${error.message}`);
  });
  report(`${component.id}: started (pid ${pid}, port ${component.port})`);
}

/**
 * Stops everything the stack started, newest first, by process id, and waits until each process
 * is gone. Postgres servers are found through their `postmaster.pid` even when the state file was
 * lost, so `down` leaves nothing behind.
 */
export async function down(layout: StackLayout, report: Reporter = () => {}): Promise<void> {
  const state = readState(layout);
  const signals: Record<string, NodeJS.Signals> = { gateway: 'SIGQUIT' };
  for (const id of ['prometheus', 'gateway', 'api', 'auth', 'mailpit', 'redis']) {
    const record = state[id];
    if (record && isOurProcess(record.pid, record.marker)) {
      await stopProcess(record.pid, signals[id] ?? 'SIGTERM');
      report(`${id}: stopped (pid ${record.pid})`);
    }
    if (record) recordComponent(layout, id, null);
  }
  const instances = pgInstances(layout);
  const stopAll = async (list: PgInstance[]) =>
    Promise.all(
      list.map(async (instance) => {
        const pid = postmasterPid(instance);
        await stopPg(instance);
        if (pid !== null) report(`${instance.id}: stopped (pid ${pid})`);
        recordComponent(layout, instance.id, null);
      }),
    );
  // standbys first, so that no primary waits on a connected walsender at shutdown
  await stopAll(instances.filter((i) => i.role === 'replica'));
  await stopAll(instances.filter((i) => i.role === 'primary'));
}

/** One line of `npm run status`. */
export interface ComponentStatus {
  readonly id: string;
  readonly pid: number | null;
  readonly port: number;
  readonly health: string;
  readonly healthy: boolean;
}

/** Reports every component: its pid, port and health (for Postgres, its role and replication). */
export async function status(layout: StackLayout): Promise<ComponentStatus[]> {
  const secrets = stackSecrets(layout);
  const state = readState(layout);
  const rows: ComponentStatus[] = [];
  for (const instance of pgInstances(layout)) {
    const pid = postmasterPid(instance);
    const health = pid === null ? null : await pgHealth(layout, secrets, instance);
    let text = 'stopped';
    let healthy = false;
    if (health?.up) {
      const roleOk = health.inRecovery === (instance.role === 'replica');
      healthy = roleOk && (instance.role === 'replica' || health.replication === 'streaming');
      text =
        instance.role === 'primary'
          ? `primary, standby ${health.replication}`
          : 'standby (in recovery)';
      if (!roleOk) text = `unexpected: in recovery = ${health.inRecovery}`;
    } else if (pid !== null) {
      text = 'not answering';
    }
    rows.push({ id: instance.id, pid, port: instance.port, health: text, healthy });
  }
  for (const component of processComponents(layout, secrets)) {
    const record = state[component.id];
    const running = record !== undefined && isOurProcess(record.pid, record.marker);
    const healthy = running && (await component.healthy());
    rows.push({
      id: component.id,
      pid: running ? (record?.pid ?? null) : null,
      port: component.port,
      health: running ? (healthy ? 'healthy' : 'not answering') : 'stopped',
      healthy,
    });
  }
  return rows;
}
