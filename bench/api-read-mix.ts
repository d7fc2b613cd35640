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
 *
 * Longer than 300 lines on purpose: `runApiReadMix` is one procedure whose steps depend on each
 * other in order (baseline up, seeding, settling, warm-ups, alternating rounds with a scrape of
 * the API around each mix run, summary), and cutting it would scatter that sequence. What can
 * stand alone does: the result types and report (api-read-mix-report.ts), the request plan
 * (lib/api-mix.ts), the metrics arithmetic (lib/api-metrics.ts, lib/prom-text.ts).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StackLayout } from '../scripts/stack/layout.js';
import { portInUse } from '../scripts/stack/processes.js';
import { serviceBuilt } from '../scripts/stack/services.js';
import { readState } from '../scripts/stack/state.js';
import {
  type ApiMixResult,
  type ApiObservation,
  type MixRun,
  type MixSide,
  renderApiMixMarkdown,
  type SideSummary,
} from './api-read-mix-report.js';
import { dbSplit, profileCache, routeCounts } from './lib/api-metrics.js';
import {
  MIX_CYCLE,
  MIX_ORDER_BODY,
  MIX_REQUESTS,
  type MixUser,
  mixPlan,
  planCounts,
  writeMixScript,
} from './lib/api-mix.js';
import { baselineNginxCommand } from './lib/baseline-nginx.js';
import { type BenchContext, runRecord, writeResults } from './lib/context.js';
import { startLagSampler, summariseLag } from './lib/event-loop.js';
import { call, mapLimit } from './lib/http.js';
import { cpuMsPerRequest, cpuSnapshot, cpuUsage } from './lib/machine.js';
import { nginxErrorLines } from './lib/nginx-errors.js';
import { treeSnapshot, treeUsage } from './lib/proc-tree.js';
import { Cleanup, log, requireFreePorts, startBenchScript, startProcess } from './lib/procs.js';
import { type PromSample, promDelta, scrapeMetrics, sumDeltas } from './lib/prom-text.js';
import { fmt, median, pct } from './lib/stats.js';
import { runWrk, type WrkOptions, wrkCommandLine } from './lib/wrk.js';

export const NAME = 'api-read-mix';
/** At least this share of the mix's database reads must be served by replicas. */
export const TARGET_REPLICA_SHARE = 0.8;
/** The mix's median throughput must be at least this share of the baseline's. */
export const TARGET_THROUGHPUT_RATIO = 0.25;
/** The mix's median p99 may be at most this multiple of the baseline's. */
export const TARGET_P99_RATIO = 3;
/** The API process may spend at most this much CPU (ms) on each request of the mix. */
export const TARGET_API_CPU_MS_PER_REQUEST = 0.3;
const THREADS = 2;
const CONNECTIONS = 32;
/** Orders each user creates before the measurement; the mix reads them by id. */
const ORDERS_PER_USER = 3;
const SEED_CONCURRENCY = 8;
/** The API's READ_YOUR_WRITES_WINDOW_SECONDS default (services/api/src/config.ts). */
const RYW_WINDOW_SECONDS = 30;
/** After seeding, the mix waits until the seeding's writes are this long ago (full runs). */
const SEED_SETTLE_SECONDS = RYW_WINDOW_SECONDS + 1;

/** Ports of the benchmark's own processes (the gateway and the API are the stack's). */
export function apiMixPorts(layout: StackLayout): { baselineNginx: number; baselineApp: number } {
  return { baselineNginx: layout.ports.gateway + 3, baselineApp: layout.ports.auth + 12 };
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
    const wrkOptions = (side: MixSide, durationSeconds: number): WrkOptions => ({
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
      const order: MixSide[] = round % 2 === 1 ? ['baseline', 'mix'] : ['mix', 'baseline'];
      for (const side of order) {
        const quiet = cpuSnapshot([]);
        await sleep(1_000);
        const backgroundBusy = cpuUsage(quiet, cpuSnapshot([])).machineBusy;
        const metricsBefore = side === 'mix' ? await scrapeMetrics(metricsUrl) : null;
        const sampler = side === 'mix' ? startLagSampler(metricsUrl) : null;
        const before = cpuSnapshot([]);
        const treesBefore = treeSnapshot(cpuGroups);
        const wrk = await runWrk(wrkOptions(side, options.durationSeconds));
        const treesAfter = treeSnapshot(cpuGroups);
        const cpu = treeUsage(treesBefore, treesAfter);
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
        const appCpu = (side === 'mix' ? cpu.api : cpu['trivial Koa']) ?? Number.NaN;
        runs.push({
          round,
          side,
          wrk,
          appCpu,
          appCpuMsPerRequest: cpuMsPerRequest(appCpu, treesAfter.at - treesBefore.at, wrk.requests),
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

    const summarise = (side: MixSide): SideSummary => {
      const mine = runs.filter((r) => r.side === side);
      return {
        medianRequestsPerSecond: median(mine.map((r) => r.wrk.requestsPerSecond)),
        medianP50Ms: median(mine.map((r) => r.wrk.latencyMs.p50)),
        medianP99Ms: median(mine.map((r) => r.wrk.latencyMs.p99)),
        medianAppCpu: median(mine.map((r) => r.appCpu)),
        medianAppCpuMsPerRequest: median(mine.map((r) => r.appCpuMsPerRequest)),
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
      ...runRecord(ctx, startedAt),
      settings: {
        wrk: wrkCommandLine(wrkOptions('mix', options.durationSeconds), '<api-mix.lua>'),
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
      apiCpuMsPerRequest: sides.mix.medianAppCpuMsPerRequest,
      targetApiCpuMsPerRequest: TARGET_API_CPU_MS_PER_REQUEST,
      targetMet:
        valid &&
        replicaShare >= TARGET_REPLICA_SHARE &&
        sides.mix.medianRequestsPerSecond / sides.baseline.medianRequestsPerSecond >=
          TARGET_THROUGHPUT_RATIO &&
        sides.mix.medianP99Ms / sides.baseline.medianP99Ms <= TARGET_P99_RATIO &&
        sides.mix.medianAppCpuMsPerRequest <= TARGET_API_CPU_MS_PER_REQUEST,
    };
    const files = writeResults(ctx, NAME, startedAt, renderApiMixMarkdown(result), result);
    return { result, files };
  } finally {
    await local.runAll();
  }
}
