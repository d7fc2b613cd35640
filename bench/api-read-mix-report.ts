/**
 * The API mix's result (bench/api-read-mix.ts) as its JSON holds it, and as its Markdown report
 * tells it: the run logic and the report stay in files of their own.
 */

import {
  type DbSplit,
  PRIMARY_OPERATIONS,
  REPLAY_POSITION_OPERATION,
  type RouteCounts,
} from './lib/api-metrics.js';
import { MIX_CYCLE, type MixKind } from './lib/api-mix.js';
import type { RunRecord } from './lib/context.js';
import type { LagSummary } from './lib/event-loop.js';
import { machineMarkdown } from './lib/machine.js';
import type { PromSample } from './lib/prom-text.js';
import { fmt, pct } from './lib/stats.js';
import type { WrkResult } from './lib/wrk.js';

/** The two paths the mix compares. */
export type MixSide = 'mix' | 'baseline';

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
  readonly side: MixSide;
  readonly wrk: WrkResult;
  /** CPU of the process answering behind nginx: the API (mix) or the trivial Koa app (baseline). */
  readonly appCpu: number;
  /** That process's CPU time over the requests wrk saw answered, ms. */
  readonly appCpuMsPerRequest: number;
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
  readonly medianAppCpuMsPerRequest: number;
  readonly medianAuthCpu: number;
  /** Median CPU per process group over the side's runs (1 = one core). */
  readonly medianCpu: Readonly<Record<string, number>>;
  readonly medianMachineBusy: number;
  /** Mix: median of the runs' median event-loop delay p99 of the API, ms. */
  readonly medianApiLagP99Ms: number;
}

export interface ApiMixResult extends RunRecord {
  readonly name: 'api-read-mix';
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
  readonly sides: Readonly<Record<MixSide, SideSummary>>;
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
  /** The API process's CPU per request, ms: the mix side's median over its runs. */
  readonly apiCpuMsPerRequest: number;
  readonly targetApiCpuMsPerRequest: number;
  /** All four targets: replica share, throughput ratio, p99 ratio, the API's CPU per request. */
  readonly targetMet: boolean;
}

/** The benchmark's Markdown report. */
export function renderApiMixMarkdown(r: ApiMixResult): string {
  const { mix, baseline } = r.sides;
  const s = r.settings;
  const db = r.pooled.db;
  const figures = `replicas served ${pct(r.replicaShare, 1)} of the mix's database reads (target ≥ ${pct(r.targetReplicaShare)}); the mix reached ${fmt(r.throughputRatio, 3)} of the baseline's throughput (target ≥ ${fmt(r.targetThroughputRatio, 2)}) with ${fmt(r.p99Ratio, 1)}× its p99 (target ≤ ${fmt(r.targetP99Ratio, 0)}×); the API spent ${fmt(r.apiCpuMsPerRequest, 3)} ms of CPU per request (target ≤ ${fmt(r.targetApiCpuMsPerRequest, 1)})`;
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
| app CPU per request (ms of CPU over requests served, median of the runs) | ${fmt(mix.medianAppCpuMsPerRequest, 3)} | ${fmt(baseline.medianAppCpuMsPerRequest, 3)} | |

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
