/**
 * The scale benchmark: does `/verify` cost the same with 200, 10,000 and 100,000 distinct live
 * sessions? Sessions and their tokens are made cheaply (bench/lib/session-seed.ts: rows in the
 * auth database, tokens signed with the stack's key); wrk sends each set, rotating, through one
 * nginx `auth_request` server built from the gateway's locations (as benchmark 1's side A) to the
 * bench stack's auth service. Reported per size: throughput, p99, the auth service's cache
 * lookups by layer (`cache_lookups_total`), Redis's keyspace hits and misses, and the resident
 * memory of both services. Target: throughput at 100,000 sessions ≥ 0.85 of the figure at 200,
 * each service's RSS ≤ 256 MB there. Run it through bench/run.ts (`scale`).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisUrl } from '../scripts/stack/redis.js';
import { readState } from '../scripts/stack/state.js';
import { GATEWAY_LOAD, GATEWAY_PATH, sideUrl } from './lib/ab-rounds.js';
import { startBenchGateway } from './lib/bench-nginx.js';
import { type BenchContext, type RunRecord, runRecord, writeResults } from './lib/context.js';
import { call, runSanityChecks, tokenChecks } from './lib/http.js';
import { cpuMsPerRequest, cpuSnapshot, cpuUsage, machineMarkdown } from './lib/machine.js';
import { type TreeMemory, treeMemory } from './lib/proc-tree.js';
import { Cleanup, log } from './lib/procs.js';
import { type PromSample, promDelta, scrapeMetrics } from './lib/prom-text.js';
import { seedSessions } from './lib/session-seed.js';
import { fmt, pct } from './lib/stats.js';
import { runWrk, type WrkResult, writeTokenFileScript, wrkCommandLine } from './lib/wrk.js';

export const NAME = 'scale';
export const SIZES = [200, 10_000, 100_000] as const;
/** Throughput at the largest size, as a share of the smallest's. */
export const TARGET_RATIO = 0.85;
/** Resident memory of each service at the largest size. */
export const TARGET_RSS_MB = 256;
/** Requests per second the warm-up counts on to pass over a set once (the slowest size here: about 1,200). */
const WARMUP_RATE = 1_000;

/** One size's measurement. */
export interface ScaleStep {
  readonly sessions: number;
  readonly wrk: WrkResult;
  /** `cache_lookups_total` of the auth service over the run, by `cache/result`. */
  readonly authCacheLookups: Readonly<Record<string, number>>;
  /** Local (in-process) hit ratio of the identity cache over the run. */
  readonly localHitRatio: number;
  readonly redisKeyspace: { readonly hits: number; readonly misses: number };
  /** Memory of each service's processes after the run (see {@link treeMemory}). */
  readonly memory: { readonly auth: TreeMemory; readonly api: TreeMemory };
  /** CPU time of the auth service's main process per check, µs (user + system, from /proc). */
  readonly authCpuUsPerCheck: number;
  /**
   * Time the auth service's main process spent in V8's collector per check, µs, by kind
   * (`nodejs_gc_duration_seconds`: minor = scavenges, major = full mark-compact, incremental =
   * marking steps): what a larger live heap costs.
   */
  readonly authGcUsPerCheck: Readonly<Record<string, number>>;
}

export interface ScaleResult extends RunRecord {
  readonly name: typeof NAME;
  readonly settings: {
    readonly wrk: string;
    readonly durationSeconds: number;
    readonly warmupSeconds: number;
  };
  readonly steps: readonly ScaleStep[];
  /** Throughput at the largest size / at the smallest. */
  readonly throughputRatio: number;
  readonly valid: boolean;
  readonly targetRatio: number;
  readonly targetRssMb: number;
  readonly targetMet: boolean;
}

/** Redis's keyspace hits and misses since it started. */
async function keyspace(redis: Redis): Promise<{ hits: number; misses: number }> {
  const info = await redis.info('stats');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { hits: field('keyspace_hits'), misses: field('keyspace_misses') };
}

/** `nodejs_gc_duration_seconds_sum` of a delta, by kind, in µs per request. */
function gcPerRequest(delta: readonly PromSample[], requests: number): Record<string, number> {
  const perKind: Record<string, number> = {};
  for (const s of delta) {
    if (s.name !== 'nodejs_gc_duration_seconds_sum') continue;
    const kind = s.labels.kind ?? 'unknown';
    perKind[kind] = (perKind[kind] ?? 0) + (s.value * 1e6) / requests;
  }
  return perKind;
}

function cacheLookups(delta: readonly PromSample[]): Record<string, number> {
  const lookups: Record<string, number> = {};
  for (const s of delta) {
    if (s.name !== 'cache_lookups_total') continue;
    const key = `${s.labels.cache}/${s.labels.result}`;
    lookups[key] = (lookups[key] ?? 0) + s.value;
  }
  return lookups;
}

export async function runScale(
  ctx: BenchContext,
): Promise<{ result: ScaleResult; files: { markdown: string; json: string } }> {
  const startedAt = new Date();
  const { layout, ports, options } = ctx;
  const local = new Cleanup();
  ctx.cleanup.add('scale benchmark processes', () => local.runAll());
  const redis = new Redis(redisUrl(layout, ctx.secrets), { lazyConnect: true });
  try {
    await redis.connect();
    await startBenchGateway(local, layout, ports.backend, [
      {
        port: ports.sideA,
        authUrl: `http://127.0.0.1:${layout.ports.auth}/verify`,
        label: `auth_request to the bench stack's auth service (port ${layout.ports.auth})`,
      },
    ]);
    const state = readState(layout);
    const authPid = state.auth?.pid;
    const apiPid = state.api?.pid;
    if (authPid === undefined || apiPid === undefined)
      throw new Error('the bench stack has no auth or API process recorded');
    const url = sideUrl(ports, 'A');
    const metricsUrl = `http://127.0.0.1:${layout.ports.authMetrics}/metrics`;
    // the hashing process as any deployment has it once it has seen a login (bcrypt) and a
    // registration (zxcvbn's dictionaries): a failed login and a refused registration, which
    // change nothing, start both, and their memory counts
    const authUrl = `http://127.0.0.1:${layout.ports.auth}`;
    const nobody = `nobody-${Date.now()}@bench.invalid`;
    const login = await call(`${authUrl}/auth/login`, {
      json: { email: nobody, password: 'not-the-password-1' },
    });
    const register = await call(`${authUrl}/auth/register`, {
      json: { email: nobody, password: 'password1' },
    });
    if (login.status !== 401 || register.status !== 422)
      throw new Error(
        `scale: a failed login answered ${login.status}, a weak registration ${register.status}`,
      );

    const largest = SIZES[SIZES.length - 1] as number;
    log(`scale: seeding ${largest} sessions and signing their tokens`);
    const tag = startedAt.getTime().toString(36);
    const sessions = await seedSessions(layout, ctx.secrets, largest, tag);
    // a seeded token passes and junk does not, before anything is measured
    await runSanityChecks('scale', tokenChecks('a seeded session', url, sessions[0]?.token ?? ''));
    const steps: ScaleStep[] = [];
    for (const size of SIZES) {
      const tokensFile = join(ctx.workDir, `scale-tokens-${size}.txt`);
      writeFileSync(
        tokensFile,
        `${sessions
          .slice(0, size)
          .map((s) => s.token)
          .join('\n')}\n`,
        {
          mode: 0o600,
        },
      );
      local.add(`tokens of ${size}`, () => rmSync(tokensFile, { force: true }));
      const script = join(ctx.workDir, `scale-${size}.lua`);
      writeTokenFileScript(script, tokensFile, GATEWAY_PATH, GATEWAY_LOAD.threads);
      local.add(`script of ${size}`, () => rmSync(script, { force: true }));
      const wrkOptions = (durationSeconds: number) => ({
        url,
        script,
        ...GATEWAY_LOAD,
        durationSeconds,
      });
      // the warm-up passes over the whole set (at WARMUP_RATE, which even the slowest size reaches),
      // so each size is measured in its steady state, as live traffic would find it
      const warmup = Math.max(options.warmupSeconds, Math.ceil(size / WARMUP_RATE));
      log(`scale: ${size} sessions, warm-up ${warmup} s`);
      await runWrk(wrkOptions(warmup));
      const metricsBefore = await scrapeMetrics(metricsUrl);
      const redisBefore = await keyspace(redis);
      const cpuBefore = cpuSnapshot([authPid]);
      const wrk = await runWrk(wrkOptions(options.durationSeconds));
      const cpuAfter = cpuSnapshot([authPid]);
      const delta = promDelta(metricsBefore, await scrapeMetrics(metricsUrl));
      const redisAfter = await keyspace(redis);
      const lookups = cacheLookups(delta);
      const localHits = lookups['local/hit'] ?? 0;
      const localAll = localHits + (lookups['local/miss'] ?? 0);
      const step: ScaleStep = {
        sessions: size,
        wrk,
        authCacheLookups: lookups,
        localHitRatio: localAll > 0 ? localHits / localAll : Number.NaN,
        redisKeyspace: {
          hits: redisAfter.hits - redisBefore.hits,
          misses: redisAfter.misses - redisBefore.misses,
        },
        memory: { auth: treeMemory(authPid), api: treeMemory(apiPid) },
        authCpuUsPerCheck:
          cpuMsPerRequest(
            cpuUsage(cpuBefore, cpuAfter).processes[authPid] ?? Number.NaN,
            cpuAfter.at - cpuBefore.at,
            wrk.requests,
          ) * 1e3,
        authGcUsPerCheck: gcPerRequest(delta, wrk.requests),
      };
      steps.push(step);
      log(
        `  ${size} sessions: ${fmt(wrk.requestsPerSecond, 0)} req/s, p99 ${fmt(wrk.latencyMs.p99)} ms, local hits ${pct(step.localHitRatio)}, memory auth ${fmt(step.memory.auth.mb, 0)} MB, auth CPU ${fmt(step.authCpuUsPerCheck, 1)} µs/check (GC ${fmt(
          Object.values(step.authGcUsPerCheck).reduce((a, b) => a + b, 0),
          1,
        )})`,
      );
    }
    const smallest = steps[0] as ScaleStep;
    const biggest = steps[steps.length - 1] as ScaleStep;
    const throughputRatio = biggest.wrk.requestsPerSecond / smallest.wrk.requestsPerSecond;
    const valid = steps.every(
      (s) => s.wrk.non2xx + Object.values(s.wrk.socketErrors).reduce((a, b) => a + b, 0) === 0,
    );
    const result: ScaleResult = {
      name: NAME,
      ...runRecord(ctx, startedAt),
      settings: {
        wrk: wrkCommandLine(
          { url, script: '', ...GATEWAY_LOAD, durationSeconds: options.durationSeconds },
          '<scale-N.lua>',
        ),
        durationSeconds: options.durationSeconds,
        warmupSeconds: options.warmupSeconds,
      },
      steps,
      throughputRatio,
      valid,
      targetRatio: TARGET_RATIO,
      targetRssMb: TARGET_RSS_MB,
      targetMet:
        valid &&
        throughputRatio >= TARGET_RATIO &&
        biggest.memory.auth.mb <= TARGET_RSS_MB &&
        biggest.memory.api.mb <= TARGET_RSS_MB,
    };
    const files = writeResults(ctx, NAME, startedAt, renderMarkdown(result), result);
    return { result, files };
  } finally {
    redis.disconnect();
    await local.runAll();
  }
}

/** GC µs per check as `minor / major / incremental`. */
function gcCell(gc: Readonly<Record<string, number>>): string {
  return ['minor', 'major', 'incremental'].map((kind) => fmt(gc[kind] ?? 0, 1)).join(' / ');
}

function renderMarkdown(r: ScaleResult): string {
  const biggest = r.steps[r.steps.length - 1] as ScaleStep;
  const figures = `at ${biggest.sessions} sessions \`/verify\` serves ${pct(r.throughputRatio)} of its throughput at ${r.steps[0]?.sessions} (target ≥ ${pct(r.targetRatio)}); memory auth ${fmt(biggest.memory.auth.mb, 0)} MB, API ${fmt(biggest.memory.api.mb, 0)} MB (target ≤ ${r.targetRssMb} MB each)`;
  const verdict = !r.valid
    ? '**not valid**: some requests failed; the figures are not meaningful.'
    : `${r.targetMet ? '**met**' : '**not met**'}: ${figures}.`;
  const row = (s: ScaleStep) => {
    const l = s.authCacheLookups;
    const redisAll = s.redisKeyspace.hits + s.redisKeyspace.misses;
    return `| ${s.sessions} | ${fmt(s.wrk.requestsPerSecond, 0)} | ${fmt(s.wrk.latencyMs.p50)} | ${fmt(s.wrk.latencyMs.p99)} | ${pct(s.localHitRatio, 1)} | ${l['redis/hit'] ?? 0} / ${l['redis/miss'] ?? 0} | ${redisAll > 0 ? pct(s.redisKeyspace.hits / redisAll, 1) : '-'} (${redisAll}) | ${fmt(s.memory.auth.mb, 0)} (${fmt(s.memory.auth.rootRssMb, 0)}) | ${fmt(s.memory.api.mb, 0)} (${fmt(s.memory.api.rootRssMb, 0)}) | ${fmt(s.authCpuUsPerCheck, 1)} | ${gcCell(s.authGcUsPerCheck)} |`;
  };
  return `# \`/verify\` with 200, 10,000 and 100,000 live sessions

Run ${r.startedAt} → ${r.finishedAt} (UTC), \`${r.command}\`.

## Result

${verdict}

| sessions | req/s | p50 ms | p99 ms | identity cache hits (in process) | Redis lookups hit / miss (auth) | Redis keyspace hit ratio (lookups) | memory auth MB (main RSS) | memory API MB (main RSS) | auth CPU µs/check | auth GC µs/check (minor / major / incremental) |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${r.steps.map(row).join('\n')}

The identity cache keeps a user's and a session's state in the auth process; a miss asks Redis
(one \`MGET\`), and a Redis miss Postgres. "Redis keyspace" counts every key read on the stack's Redis
during the run (Redis's own \`keyspace_hits\`/\`keyspace_misses\`). Memory is read from \`/proc\` after
each size's run, for all of a service's processes (auth: the service and its hashing process): their
private pages plus the file-backed pages (\`node\` and its libraries) once, as a container's memory
limit counts them; in brackets the main process's own RSS. The API takes no part in \`/verify\` and
shows what it holds idle. CPU is the auth service's main process (user and system time, from
\`/proc\`), GC its time in V8's collector (\`nodejs_gc_duration_seconds\`), both per check.

## Machine

${machineMarkdown(r.machine)}

## Settings

- Sessions: ${biggest.sessions} users with one live session each, inserted into the auth database in one statement; one access token each, signed with the stack's key as the auth service signs them. Each size uses the first N of them; the sizes run in order, each after a warm-up long enough to pass over its set (at least ${r.settings.warmupSeconds} s, one second per 1,000 sessions).
- One nginx server built from the gateway's \`/_external-auth\` and \`/api/\` locations (a new connection per subrequest), \`auth_request\` to the bench stack's auth service, \`/api/\` to a trivial backend.
- Load: \`${r.settings.wrk}\`, ${r.settings.durationSeconds} s per size; the Lua script reads the tokens from a file and rotates over them.
`;
}
