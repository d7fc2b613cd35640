/**
 * Benchmark 3: a read-heavy mix (90 % reads, 10 % order creation) on the API service through the
 * stack's gateway, against the trivial nginx → Koa baseline in the same run, and the share of the
 * mix's database reads that the replicas served.
 *
 * The users whose tokens run.ts seeded each get a profile and a few orders through the gateway.
 * wrk then sends the same request plan (bench/lib/api-mix.ts) alternately to the real gateway
 * (nginx `auth_request` → auth `/verify` → API → Postgres primaries and replicas, Redis) and to a
 * baseline nginx with the gateway's `/api/` location minus `auth_request`, proxying to a trivial
 * Koa app. Around every measured mix run the driver scrapes the API's metrics and takes, from
 * `db_query_duration_seconds_count`, the queries per shard, role and operation. Target: at least
 * 80 % of the mix's database reads served by replicas; throughput and p99 of both paths reported.
 * Run it through bench/run.ts.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StackLayout } from '../scripts/stack/layout.js';
import { portInUse } from '../scripts/stack/processes.js';
import { serviceBuilt } from '../scripts/stack/services.js';
import { readState } from '../scripts/stack/state.js';
import {
  type DbSplit,
  dbSplit,
  MIX_CYCLE,
  MIX_ORDER_BODY,
  MIX_REQUESTS,
  type MixKind,
  type MixUser,
  mixPlan,
  PRIMARY_OPERATIONS,
  type PromSample,
  planCounts,
  profileCache,
  promDelta,
  REPLAY_POSITION_OPERATION,
  type RouteCounts,
  routeCounts,
  scrapeMetrics,
  sumDeltas,
  writeMixScript,
} from './lib/api-mix.js';
import { baselineNginxCommand } from './lib/baseline-nginx.js';
import { type BenchContext, writeResults } from './lib/context.js';
import { type LagSummary, startLagSampler, summariseLag } from './lib/event-loop.js';
import { call, mapLimit } from './lib/http.js';
import { cpuSnapshot, cpuUsage, machineMarkdown } from './lib/machine.js';
import { treeSnapshot, treeUsage } from './lib/proc-tree.js';
import { Cleanup, log, requireFreePorts, startBenchScript, startProcess } from './lib/procs.js';
import { fmt, median, pct } from './lib/stats.js';
import { runWrk, type WrkOptions, type WrkResult, wrkArgs } from './lib/wrk.js';

export const NAME = 'api-read-mix';
/** At least this share of the mix's database reads must be served by replicas. */
export const TARGET_REPLICA_SHARE = 0.8;
/** The mix's median throughput must be at least this share of the baseline's. */
export const TARGET_THROUGHPUT_RATIO = 0.25;
/** The mix's median p99 may be at most this multiple of the baseline's. */
export const TARGET_P99_RATIO = 3;
const THREADS = 2;
const CONNECTIONS = 32;
/** Orders each user creates before the measurement; the mix reads them by id. */
const ORDERS_PER_USER = 3;
const SEED_CONCURRENCY = 8;
/** The API's READ_YOUR_WRITES_WINDOW_SECONDS default (services/api/src/config.ts). */
const RYW_WINDOW_SECONDS = 30;
/** After seeding, the mix waits until the seeding's writes are this long ago (full runs). */
const SEED_SETTLE_SECONDS = RYW_WINDOW_SECONDS + 1;

type Side = 'mix' | 'baseline';

/** Ports of the benchmark's own processes (the gateway and the API are the stack's). */
export function apiMixPorts(layout: StackLayout): { baselineNginx: number; baselineApp: number } {
  return { baselineNginx: layout.ports.gateway + 3, baselineApp: layout.ports.auth + 12 };
}

/** What the API did during one measured mix run, from its metrics. */
export interface ApiObservation {
  readonly db: DbSplit;
  readonly routes: readonly RouteCounts[];
  readonly profileCache: { readonly hit: number; readonly miss: number; readonly error: number };
  readonly apiRequests: number;
  readonly apiNon2xx: number;
}

/** One measured wrk run. */
export interface MixRun {
  readonly round: number;
  readonly side: Side;
  readonly wrk: WrkResult;
  /** CPU of the process answering behind nginx: the API (mix) or the trivial Koa app (baseline). */
  readonly appCpu: number;
  /** CPU of the auth service (mix only: the baseline has no auth subrequest). */
  readonly authCpu: number;
  /** CPU of every process tree involved (1 = one core), by group. */
  readonly cpu: Readonly<Record<string, number>>;
  /** Mix runs: the API's event-loop delay, scraped once a second. */
  readonly apiLag: LagSummary | null;
  readonly machineBusy: number;
  /** Busy fraction of the machine in the idle second before the run: other people's work. */
  readonly backgroundBusy: number;
  /** Mix runs: the API's metrics delta over the run. */
  readonly api: ApiObservation | null;
  /** Mix runs: raw metrics delta (non-zero samples of the API's own series). */
  readonly apiDelta: readonly PromSample[] | null;
}

export interface SideSummary {
  readonly medianRequestsPerSecond: number;
  readonly medianP50Ms: number;
  readonly medianP99Ms: number;
  readonly medianAppCpu: number;
  readonly medianAuthCpu: number;
  /** Median CPU per process group over the side's runs (1 = one core). */
  readonly medianCpu: Readonly<Record<string, number>>;
  readonly medianMachineBusy: number;
  /** Mix: median of the runs' median event-loop delay p99 of the API, ms. */
  readonly medianApiLagP99Ms: number;
}

export interface ApiMixResult {
  readonly name: typeof NAME;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly machine: BenchContext['machine'];
  readonly settings: {
    readonly wrk: string;
    readonly durationSeconds: number;
    readonly rounds: number;
    readonly warmupSeconds: number;
    readonly users: number;
    readonly usersPerShard: Readonly<Record<string, number>>;
    readonly ordersPerUser: number;
    readonly planLength: number;
    readonly planCounts: Readonly<Record<MixKind, number>>;
    readonly requests: Readonly<Record<MixKind, string>>;
    readonly orderBody: string;
    readonly seedSettleSeconds: number;
    readonly rywWindowSeconds: number;
    readonly logLevel: string;
  };
  readonly checks: Readonly<Record<string, number>>;
  readonly runs: readonly MixRun[];
  readonly sides: Readonly<Record<Side, SideSummary>>;
  readonly throughputRatio: number;
  readonly p99Ratio: number;
  /** All measured mix runs together. */
  readonly pooled: ApiObservation;
  readonly replicaShare: number;
  readonly replicaShareByRound: readonly number[];
  /** Seconds between two writes of the same user at the mix's median rate. */
  readonly secondsBetweenWritesPerUser: number;
  readonly nginxErrorLines: { readonly gateway: number; readonly baseline: number };
  readonly valid: boolean;
  readonly targetReplicaShare: number;
  readonly targetThroughputRatio: number;
  readonly targetP99Ratio: number;
  /** All three targets: replica share, throughput ratio, p99 ratio. */
  readonly targetMet: boolean;
}

/** Lines at level error or worse in an nginx error log. */
function nginxErrorLines(file: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /\[(error|crit|alert|emerg)\]/.test(line)).length;
}

/**
 * Gives every user a profile (`POST /api/users`) and {@link ORDERS_PER_USER} orders
 * (`POST /api/orders`) through the gateway, `SEED_CONCURRENCY` users at a time.
 */
async function seedUsers(gateway: string, tokens: readonly string[]): Promise<MixUser[]> {
  return mapLimit(tokens, SEED_CONCURRENCY, async (token, i) => {
    const headers = { authorization: `Bearer ${token}` };
    const profile = await call(`${gateway}/api/users`, {
      json: { name: `Bench Mix ${i}` },
      headers,
    });
    const userId = (profile.body as { userId?: unknown } | null)?.userId;
    if ((profile.status !== 201 && profile.status !== 200) || typeof userId !== 'string')
      throw new Error(`POST /api/users: ${profile.status} ${profile.text.slice(0, 300)}`);
    const orderIds: string[] = [];
    for (let k = 0; k < ORDERS_PER_USER; k++) {
      const order = await call(`${gateway}/api/orders`, {
        json: {
          items: [{ sku: `BENCH-SEED-${k + 1}`, quantity: k + 1, unitPriceCents: 499 }],
          currency: 'EUR',
        },
        headers,
      });
      const id = (order.body as { id?: unknown } | null)?.id;
      if (order.status !== 201 || typeof id !== 'string')
        throw new Error(`POST /api/orders: ${order.status} ${order.text.slice(0, 300)}`);
      orderIds.push(id);
    }
    return { token, userId, shard: profile.headers.get('x-shard') ?? '?', orderIds };
  });
}

function observe(delta: readonly PromSample[]): ApiObservation {
  const routes = routeCounts(delta);
  return {
    db: dbSplit(delta),
    routes,
    profileCache: profileCache(delta),
    apiRequests: routes.reduce((a, r) => a + r.requests, 0),
    apiNon2xx: routes.reduce((a, r) => a + r.non2xx, 0),
  };
}

/** The series of the API's own metrics (not Node's defaults), non-zero, for the JSON file. */
const API_SERIES =
  /^((db_query|http_request)_duration_seconds_(count|sum)|http_requests_total|cache_lookups_total)$/;

export async function runApiReadMix(
  ctx: BenchContext,
): Promise<{ result: ApiMixResult; files: { markdown: string; json: string } }> {
  const startedAt = new Date();
  const { layout, options } = ctx;
  if (!serviceBuilt(layout, 'api'))
    throw new Error('services/api/dist/main.js is missing: run `bash scripts/build.sh` first');
  const state = readState(layout);
  const apiPid = state.api?.pid;
  const authPid = state.auth?.pid;
  if (apiPid === undefined || authPid === undefined)
    throw new Error('the bench stack has no api or auth process recorded');
  const ports = apiMixPorts(layout);
  await requireFreePorts({
    'api mix baseline nginx': ports.baselineNginx,
    'api mix trivial Koa app': ports.baselineApp,
  });
  const gateway = `http://127.0.0.1:${layout.ports.gateway}`;
  const baseline = `http://127.0.0.1:${ports.baselineNginx}`;
  const metricsUrl = `http://127.0.0.1:${layout.ports.apiMetrics}/metrics`;
  const nginxDir = join(layout.dir, 'bench-baseline-nginx');
  const local = new Cleanup();
  ctx.cleanup.add('api mix processes', () => local.runAll());
  try {
    log('api mix: starting the trivial Koa app and the baseline nginx');
    const appPid = await startBenchScript(
      local,
      layout,
      'api mix trivial Koa app',
      'trivial-server.ts',
      ['verify', String(ports.baselineApp)],
      ports.baselineApp,
      join(layout.logDir, 'bench-baseline-koa.log'),
    );
    const [nginx, nginxArgs] = await baselineNginxCommand(layout, nginxDir, {
      listen: ports.baselineNginx,
      app: ports.baselineApp,
    });
    local.add('baseline access log', () => rmSync(join(nginxDir, 'access.log'), { force: true }));
    const baselineNginxPid = await startProcess(local, 'api mix baseline nginx', nginx, nginxArgs, {
      logFile: join(layout.logDir, 'bench-baseline-nginx.log'),
      cwd: layout.repoRoot,
      ready: () => portInUse(ports.baselineNginx),
    });
    const gatewayErrorLog = join(layout.logDir, 'nginx-error.log');
    const baselineErrorLog = join(nginxDir, 'error.log');
    const errorLinesBefore = {
      gateway: nginxErrorLines(gatewayErrorLog),
      baseline: nginxErrorLines(baselineErrorLog),
    };

    log(
      `api mix: seeding a profile and ${ORDERS_PER_USER} orders for each of ${ctx.tokens.length} users through the gateway`,
    );
    const users = await seedUsers(gateway, ctx.tokens);
    const seededAt = Date.now();
    const usersPerShard: Record<string, number> = {};
    for (const u of [...users].sort((x, y) => x.shard.localeCompare(y.shard)))
      usersPerShard[u.shard] = (usersPerShard[u.shard] ?? 0) + 1;

    // the gateway path must really reach the API with the user's identity, and refuse junk;
    // the baseline must answer the same requests with 200
    const first = users[0] as MixUser;
    const bearer = { authorization: `Bearer ${first.token}` };
    const list = await call(`${gateway}/api/orders?limit=10`, { headers: bearer });
    const listed = (list.body as { items?: unknown[] } | null)?.items?.length ?? -1;
    const checks = {
      'gateway GET /api/me': (await call(`${gateway}/api/me`, { headers: bearer })).status,
      'gateway GET /api/orders?limit=10': list.status,
      [`orders listed (expected ${ORDERS_PER_USER})`]: listed,
      'gateway GET /api/orders/<id>': (
        await call(`${gateway}/api/orders/${first.orderIds[0]}`, { headers: bearer })
      ).status,
      'gateway GET /api/me with a forged token': (
        await call(`${gateway}/api/me`, { headers: { authorization: `Bearer ${first.token}x` } })
      ).status,
      'baseline GET /api/me': (await call(`${baseline}/api/me`, { headers: bearer })).status,
      'baseline POST /api/orders': (
        await call(`${baseline}/api/orders`, { json: MIX_ORDER_BODY, headers: bearer })
      ).status,
    };
    const expected = [200, 200, ORDERS_PER_USER, 200, 401, 200, 200];
    if (Object.values(checks).some((status, i) => status !== expected[i]))
      throw new Error(`api mix sanity checks failed: ${JSON.stringify(checks)}`);
    await scrapeMetrics(metricsUrl); // the metrics port must answer before anything is measured

    const plan = mixPlan(users);
    const script = join(ctx.workDir, 'api-mix.lua');
    writeMixScript(script, users, plan);
    local.add('api mix script', () => rmSync(script, { force: true }));
    const wrkOptions = (side: Side, durationSeconds: number): WrkOptions => ({
      url: side === 'mix' ? gateway : baseline,
      script,
      threads: THREADS,
      connections: CONNECTIONS,
      durationSeconds,
    });

    // where the cores go during each run: every process tree of the path, then the driver
    // itself, whose reaped children are the wrk runs
    const stackPids = (prefix: string) =>
      Object.entries(state)
        .filter(([id]) => id === prefix || id.startsWith(`${prefix}-`))
        .map(([, record]) => record.pid);
    const cpuGroups: Record<string, number[]> = {
      'gateway nginx': stackPids('gateway'),
      auth: [authPid],
      api: [apiPid],
      postgres: stackPids('pg'),
      redis: stackPids('redis'),
      prometheus: stackPids('prometheus'),
      'baseline nginx': [baselineNginxPid],
      'trivial Koa': [appPid],
      'wrk + driver': [process.pid],
    };

    log(`api mix: baseline warm-up ${options.warmupSeconds} s`);
    await runWrk(wrkOptions('baseline', options.warmupSeconds));
    // Users who wrote within READ_YOUR_WRITES_WINDOW_SECONDS read from a replica only once it has
    // replayed their write. Let the seeding's writes age out of that window first, so that from
    // here on only the mix's own writes count (quick runs skip the wait).
    const settle = options.quick
      ? 0
      : Math.max(0, seededAt + SEED_SETTLE_SECONDS * 1000 - Date.now());
    if (settle > 0) {
      log(
        `api mix: waiting ${fmt(settle / 1000, 0)} s until the seeding's writes are ${SEED_SETTLE_SECONDS} s old`,
      );
      await sleep(settle);
    }
    log(`api mix: mix warm-up ${options.warmupSeconds} s`);
    await runWrk(wrkOptions('mix', options.warmupSeconds));

    const runs: MixRun[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      // alternate the order so that drift over the run hits both sides alike
      const order: Side[] = round % 2 === 1 ? ['baseline', 'mix'] : ['mix', 'baseline'];
      for (const side of order) {
        const quiet = cpuSnapshot([]);
        await sleep(1_000);
        const backgroundBusy = cpuUsage(quiet, cpuSnapshot([])).machineBusy;
        const metricsBefore = side === 'mix' ? await scrapeMetrics(metricsUrl) : null;
        const sampler = side === 'mix' ? startLagSampler(metricsUrl) : null;
        const before = cpuSnapshot([]);
        const treesBefore = treeSnapshot(cpuGroups);
        const wrk = await runWrk(wrkOptions(side, options.durationSeconds));
        const cpu = treeUsage(treesBefore, treeSnapshot(cpuGroups));
        const usage = cpuUsage(before, cpuSnapshot([]));
        const lag = sampler ? summariseLag(await sampler.stop()) : null;
        let api: ApiObservation | null = null;
        let apiDelta: PromSample[] | null = null;
        if (metricsBefore) {
          await sleep(300); // requests still in flight when wrk stopped finish at the API
          apiDelta = promDelta(metricsBefore, await scrapeMetrics(metricsUrl)).filter(
            (s) => API_SERIES.test(s.name) && s.value !== 0,
          );
          api = observe(apiDelta);
        }
        runs.push({
          round,
          side,
          wrk,
          appCpu: (side === 'mix' ? cpu.api : cpu['trivial Koa']) ?? Number.NaN,
          authCpu: side === 'mix' ? (cpu.auth ?? Number.NaN) : Number.NaN,
          cpu,
          apiLag: lag,
          machineBusy: usage.machineBusy,
          backgroundBusy,
          api,
          apiDelta,
        });
        log(
          `  round ${round} ${side}: ${fmt(wrk.requestsPerSecond, 0)} req/s, p99 ${fmt(wrk.latencyMs.p99)} ms, non-2xx ${wrk.non2xx}${api ? `, replica share of reads ${pct(api.db.reads.share, 1)}` : ''}`,
        );
      }
    }

    const summarise = (side: Side): SideSummary => {
      const mine = runs.filter((r) => r.side === side);
      return {
        medianRequestsPerSecond: median(mine.map((r) => r.wrk.requestsPerSecond)),
        medianP50Ms: median(mine.map((r) => r.wrk.latencyMs.p50)),
        medianP99Ms: median(mine.map((r) => r.wrk.latencyMs.p99)),
        medianAppCpu: median(mine.map((r) => r.appCpu)),
        medianAuthCpu: median(mine.map((r) => r.authCpu)),
        medianCpu: Object.fromEntries(
          Object.keys(mine[0]?.cpu ?? {}).map((g) => [
            g,
            median(mine.map((r) => r.cpu[g] ?? Number.NaN)),
          ]),
        ),
        medianMachineBusy: median(mine.map((r) => r.machineBusy)),
        medianApiLagP99Ms: median(mine.map((r) => r.apiLag?.p99Median ?? Number.NaN)),
      };
    };
    const sides = { mix: summarise('mix'), baseline: summarise('baseline') };
    const mixRuns = runs.filter((r) => r.side === 'mix');
    const pooled = observe(sumDeltas(mixRuns.map((r) => r.apiDelta ?? [])));
    const failures = (r: MixRun) =>
      r.wrk.non2xx +
      Object.values(r.wrk.socketErrors).reduce((a, b) => a + b, 0) +
      (r.api?.apiNon2xx ?? 0);
    const valid = runs.every((r) => failures(r) === 0);
    const replicaShare = pooled.db.reads.share;
    const result: ApiMixResult = {
      name: NAME,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command: ctx.command,
      machine: ctx.machine,
      settings: {
        wrk: wrkArgs(wrkOptions('mix', options.durationSeconds))
          .slice(0, 4)
          .concat(['-s', '<api-mix.lua>', '<url>'])
          .join(' '),
        durationSeconds: options.durationSeconds,
        rounds: options.rounds,
        warmupSeconds: options.warmupSeconds,
        users: users.length,
        usersPerShard,
        ordersPerUser: ORDERS_PER_USER,
        planLength: plan.length,
        planCounts: planCounts(plan),
        requests: MIX_REQUESTS,
        orderBody: JSON.stringify(MIX_ORDER_BODY),
        seedSettleSeconds: options.quick ? 0 : SEED_SETTLE_SECONDS,
        rywWindowSeconds: RYW_WINDOW_SECONDS,
        logLevel: process.env.LOG_LEVEL ?? 'info',
      },
      checks,
      runs,
      sides,
      throughputRatio: sides.mix.medianRequestsPerSecond / sides.baseline.medianRequestsPerSecond,
      p99Ratio: sides.mix.medianP99Ms / sides.baseline.medianP99Ms,
      pooled,
      replicaShare,
      replicaShareByRound: mixRuns.map((r) => r.api?.db.reads.share ?? Number.NaN),
      secondsBetweenWritesPerUser:
        (users.length * MIX_CYCLE.length) / sides.mix.medianRequestsPerSecond,
      nginxErrorLines: {
        gateway: nginxErrorLines(gatewayErrorLog) - errorLinesBefore.gateway,
        baseline: nginxErrorLines(baselineErrorLog) - errorLinesBefore.baseline,
      },
      valid,
      targetReplicaShare: TARGET_REPLICA_SHARE,
      targetThroughputRatio: TARGET_THROUGHPUT_RATIO,
      targetP99Ratio: TARGET_P99_RATIO,
      targetMet:
        valid &&
        replicaShare >= TARGET_REPLICA_SHARE &&
        sides.mix.medianRequestsPerSecond / sides.baseline.medianRequestsPerSecond >=
          TARGET_THROUGHPUT_RATIO &&
        sides.mix.medianP99Ms / sides.baseline.medianP99Ms <= TARGET_P99_RATIO,
    };
    const files = writeResults(ctx, NAME, startedAt, renderMarkdown(result), result);
    return { result, files };
  } finally {
    await local.runAll();
  }
}

function renderMarkdown(r: ApiMixResult): string {
  const { mix, baseline } = r.sides;
  const s = r.settings;
  const db = r.pooled.db;
  const figures = `replicas served ${pct(r.replicaShare, 1)} of the mix's database reads (target ≥ ${pct(r.targetReplicaShare)}); the mix reached ${fmt(r.throughputRatio, 3)} of the baseline's throughput (target ≥ ${fmt(r.targetThroughputRatio, 2)}) with ${fmt(r.p99Ratio, 1)}× its p99 (target ≤ ${fmt(r.targetP99Ratio, 0)}×)`;
  const verdict = !r.valid
    ? '**not valid**: some requests failed (non-2xx or socket errors, see the runs); the figures are not meaningful.'
    : `${r.targetMet ? '**met**' : '**not met**'}: ${figures}.`;
  const shardRows = Object.entries(db.byShard)
    .map(
      ([name, x]) =>
        `| ${name} | ${s.usersPerShard[name] ?? 0} | ${x.readsReplica} | ${x.readsPrimary} | **${pct(x.share, 1)}** | ${x.primaryOperations} | ${x.replayPosition} |`,
    )
    .join('\n');
  const opRows = Object.entries(db.byOperation)
    .map(([name, o]) => {
      const kind =
        name === REPLAY_POSITION_OPERATION
          ? 'replica bookkeeping'
          : PRIMARY_OPERATIONS.includes(name)
            ? 'primary by design'
            : 'read';
      return `| \`${name}\` | ${kind} | ${o.replica} | ${o.primary} | ${fmt(o.replicaMeanMs)} | ${fmt(o.primaryMeanMs)} |`;
    })
    .join('\n');
  const apiTotal = r.pooled.apiRequests;
  const routeRows = r.pooled.routes
    .map(
      (x) =>
        `| ${x.method} \`${x.route}\` | ${x.requests} | ${pct(x.requests / apiTotal, 1)} | ${Object.entries(
          x.statuses,
        )
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')} | ${fmt(x.meanMs)} |`,
    )
    .join('\n');
  const cache = r.pooled.profileCache;
  const failed = (run: MixRun) =>
    run.wrk.non2xx + Object.values(run.wrk.socketErrors).reduce((a, b) => a + b, 0);
  const runRow = (run: MixRun) =>
    `| ${run.round} | ${run.side} | ${fmt(run.wrk.requestsPerSecond, 0)} | ${fmt(run.wrk.latencyMs.p50)} | ${fmt(run.wrk.latencyMs.p90)} | ${fmt(run.wrk.latencyMs.p99)} | ${fmt(run.wrk.latencyMs.max)} | ${failed(run)} | ${run.api ? pct(run.api.db.reads.share, 1) : ''} | ${pct(run.appCpu)} | ${run.side === 'mix' ? pct(run.authCpu) : ''} | ${pct(run.machineBusy)} | ${pct(run.backgroundBusy)} |`;
  const cpuRows = Object.keys(mix.medianCpu)
    .map(
      (g) =>
        `| ${g} | ${pct(mix.medianCpu[g] ?? Number.NaN)} | ${pct(baseline.medianCpu[g] ?? Number.NaN)} |`,
    )
    .join('\n');
  const mixShare = (kind: MixKind) => pct(s.planCounts[kind] / s.planLength);
  return `# Read-heavy API mix through the gateway vs nginx → trivial Koa

Run ${r.startedAt} → ${r.finishedAt} (UTC), \`${r.command}\`.

## Result

${verdict}

| | mix through the gateway | baseline: nginx → trivial Koa | mix / baseline |
|---|---:|---:|---:|
| median throughput (req/s) | ${fmt(mix.medianRequestsPerSecond, 0)} | ${fmt(baseline.medianRequestsPerSecond, 0)} | **${fmt(r.throughputRatio, 3)}** |
| median p50 latency (ms) | ${fmt(mix.medianP50Ms)} | ${fmt(baseline.medianP50Ms)} | ${fmt(mix.medianP50Ms / baseline.medianP50Ms)} |
| median p99 latency (ms) | ${fmt(mix.medianP99Ms)} | ${fmt(baseline.medianP99Ms)} | ${fmt(r.p99Ratio)} |
| median CPU of the app behind nginx (100 % = 1 core) | API ${pct(mix.medianAppCpu)} | Koa ${pct(baseline.medianAppCpu)} | |
| median CPU of the auth service | ${pct(mix.medianAuthCpu)} | – | |
| app CPU per request (ms, from the medians) | ${fmt((mix.medianAppCpu * 1000) / mix.medianRequestsPerSecond)} | ${fmt((baseline.medianAppCpu * 1000) / baseline.medianRequestsPerSecond)} | |

Medians over ${s.rounds} run(s) per side. Failed requests (non-2xx or socket errors at wrk, non-2xx at the API; 201 counts as success): ${r.valid ? 'none' : 'some (see the runs)'}. nginx error-log lines during the benchmark: gateway ${r.nginxErrorLines.gateway}, baseline ${r.nginxErrorLines.baseline}.

### Where the CPU went (medians over the runs; 100 % = one core of ${r.machine.cores})

| process tree | mix | baseline |
|---|---:|---:|
${cpuRows}
| whole machine (share of all cores) | ${pct(mix.medianMachineBusy)} | ${pct(baseline.medianMachineBusy)} |

Each row is a process with its children (nginx workers, Postgres backends of all six servers), from \`/proc\`; "wrk + driver" is this driver and the wrk runs it started. The API's event-loop delay during the mix (prom-client, 10 ms resolution, scraped once a second): median p99 ${fmt(mix.medianApiLagP99Ms)} ms.

### Who served the database reads (all ${s.rounds} measured mix runs together)

Replica share of the reads: **${pct(r.replicaShare, 1)}** (${db.reads.replica} of ${db.reads.replica + db.reads.primary}); per run: ${r.replicaShareByRound.map((x) => pct(x, 1)).join(', ')}.

| shard | users | reads on the replica | reads on the primary | replica share | primary-by-design queries | \`replayPosition\` queries |
|---|---:|---:|---:|---:|---:|---:|
${shardRows}

| operation | kind | replica queries | primary queries | replica mean ms | primary mean ms |
|---|---|---:|---:|---:|---:|
${opRows}

From \`db_query_duration_seconds_count{shard,role,operation}\` on the API's metrics port, scraped before and after each measured mix run. Reads are every operation except the primary-by-design ones (${PRIMARY_OPERATIONS.map((o) => `\`${o}\``).join(', ')}) and \`${REPLAY_POSITION_OPERATION}\`, the replica's replay position that the API reads (at most every 20 ms per replica) to decide whether a read-your-writes read may go there; it is counted separately and not in the share.

Profile cache (Redis) during the mix: ${cache.hit} hits, ${cache.miss} misses, ${cache.error} errors. A hit answers \`GET /api/me\` with no database query at all, so those requests are in neither column above; every order the mix creates clears its user's cached profile (the order transaction may create the profile row), so the user's next \`GET /api/me\` reads the database.

### Requests the API answered (measured mix runs)

| route | requests | share | statuses | mean ms at the API |
|---|---:|---:|---|---:|
${routeRows}

The API counted ${apiTotal} requests; wrk counted ${r.runs
    .filter((x) => x.side === 'mix')
    .reduce(
      (a, x) => a + x.wrk.requests,
      0,
    )} completed ones (requests in flight when wrk stops reach the API but not wrk's count).

## Read-your-writes during the mix

The API remembers each user's last write position for ${s.rywWindowSeconds} s and sends that user's reads to a replica only once the replica has replayed it; otherwise to the primary. ${s.seedSettleSeconds > 0 ? `The seeding's writes were left to age ${s.seedSettleSeconds} s before the mix started, so only the mix's own writes count.` : 'This was a quick run: the mix started right after the seeding, without waiting for its writes to leave the window.'} At the mix's median rate each user creates an order every ${fmt(r.secondsBetweenWritesPerUser, 1)} s, far inside the window: nearly every read of the measured phase is a read-your-writes read. Such a read costs a \`replayPosition\` check and goes to the primary only if the replica has not yet replayed the user's last write; the same user's next request comes a whole rotation of ${s.users} users later, by which time the replica has normally caught up (streaming replication on the same machine replays within milliseconds). The primary reads in the tables are those cases, plus any read while a replica was skipped after an error.

## Machine

${machineMarkdown(r.machine)}

## Settings

- **Mix** → the bench stack's gateway (its own nginx, 2 workers, access log on): \`/api/*\` with \`auth_request\` to the auth service's \`/verify\`, then the API service (\`services/api/dist/main.js\`, one process, LOG_LEVEL=${s.logLevel}) on two shards, each a Postgres primary with one streaming replica, and Redis.
- **Baseline** → a second nginx (2 workers, access log on in the gateway's format) whose \`/api/\` location is the gateway's with the \`auth_request\` and the four identity-header lines removed, proxying (keep-alive upstream) to a trivial Koa app (\`bench/lib/trivial-server.ts verify\`, own process) that answers 200 with an empty body to every request.
- Users: ${s.users} distinct users with one access token each (${Object.entries(s.usersPerShard)
    .map(([k, v]) => `${k}: ${v}`)
    .join(
      ', ',
    )}); each was given a profile and ${s.ordersPerUser} orders through the gateway before the measurement.
- Plan: ${s.planLength} requests, rotating over the users (consecutive requests belong to consecutive users); every user sends every kind once per ${MIX_CYCLE.length} passes, so writes are spread over all users. ${(
    Object.keys(s.planCounts) as MixKind[]
  )
    .map((k) => `${s.requests[k]}: ${mixShare(k)}`)
    .join('; ')}. Order body: \`${s.orderBody}\`. Both sides get the same script.
- Load: \`${s.wrk}\`, ${s.durationSeconds} s per run, ${s.rounds} round(s) alternating baseline/mix and mix/baseline, ${s.warmupSeconds} s unmeasured warm-up per side.
- Sanity checks before the runs: ${Object.entries(r.checks)
    .map(([k, v]) => `${k} → ${v}`)
    .join('; ')}.

## Runs

| round | side | req/s | p50 ms | p90 ms | p99 ms | max ms | failed | replica share | app CPU | auth CPU | machine busy | busy before |
|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${r.runs.map(runRow).join('\n')}

Latencies are wrk's, client to client. "failed" counts wrk's non-2xx answers and socket errors. "app CPU" is the API (mix) or the trivial Koa app (baseline). Machine busy is the share of all ${r.machine.cores} cores in use during the run: wrk, nginx, the services, Postgres and Redis all share them, so the mix's absolute rate is bounded by everything on its path, not by the API alone. "busy before" is the same share in the idle second before the run, i.e. other people's work; when it is high, absolute figures drop and only the ratios of the same run mean anything.
`;
}
