/**
 * Benchmark 6: the API read mix (benchmark 3) with 2 shards, then with 4, in one run: does the
 * API's cost grow with the number of shards it routes to? The bench stack has two shard clusters;
 * the two extra shards are databases of their own on those clusters (their standbys replicate them
 * like the others), migrated like every shard, and the API is restarted with a four-shard map
 * (1,024 buckets, interleaved) and their URLs. Each shard then has its own pools and replica
 * routing in the API, which is what more shards cost it; the machine's capacity is the same, so
 * the figures to compare are the mix's throughput ratio and the API's CPU per request.
 * Run it through bench/run.ts (`api-shards`).
 */
import { basename } from 'node:path';
import { applyMigrationsEverywhere } from '@shardgate/shared/migrate';
import { Redis } from 'ioredis';
import { pgUrl, withPg } from '../scripts/stack/postgres.js';
import { stopProcess } from '../scripts/stack/processes.js';
import { redisUrl } from '../scripts/stack/redis.js';
import { up } from '../scripts/stack/stack.js';
import { readState } from '../scripts/stack/state.js';
import { runApiReadMix } from './api-read-mix.js';
import type { ApiMixResult } from './api-read-mix-report.js';
import { type BenchContext, type RunRecord, runRecord, writeResults } from './lib/context.js';
import { machineMarkdown } from './lib/machine.js';
import { log } from './lib/procs.js';
import { fmt, pct } from './lib/stats.js';

export const NAME = 'api-shards';

/** The two extra shards: a database each on one of the stack's two shard clusters. */
const EXTRA_SHARDS = [
  { index: 2, database: 'shard2', cluster: 'shard0' },
  { index: 3, database: 'shard3', cluster: 'shard1' },
] as const;

/**
 * Four shards over the same 1,024 buckets as the default map, a quarter each, interleaved (bucket
 * b to shard b mod 4) as the default map interleaves two: the benchmark's users have consecutive
 * ids, which four contiguous ranges would put on one or two shards.
 */
const FOUR_SHARD_MAP = {
  version: 2,
  buckets: 1024,
  shards: Object.fromEntries(
    [0, 1, 2, 3].map((shard) => [
      `shard${shard}`,
      Array.from({ length: 256 }, (_, i) => [4 * i + shard, 4 * i + shard]),
    ]),
  ),
};

/** One shard count's mix, as the report needs it. */
export interface ShardsStep {
  readonly shards: number;
  readonly throughputRatio: number;
  readonly mixRequestsPerSecond: number;
  readonly p99Ms: number;
  readonly replicaShare: number;
  readonly apiCpuMsPerRequest: number;
  /** The mix's own report, a file name in bench/results/. */
  readonly markdown: string;
}

export interface ApiShardsResult extends RunRecord {
  readonly name: typeof NAME;
  readonly steps: readonly ShardsStep[];
  /** Mix throughput with 4 shards over that with 2 (both against their baselines). */
  readonly throughputRatio: number;
}

function stepOf(shards: number, mix: ApiMixResult, markdown: string): ShardsStep {
  const side = mix.sides.mix;
  return {
    shards,
    throughputRatio: mix.throughputRatio,
    mixRequestsPerSecond: side.medianRequestsPerSecond,
    p99Ms: side.medianP99Ms,
    replicaShare: mix.replicaShare,
    apiCpuMsPerRequest: side.medianAppCpuMsPerRequest,
    markdown: basename(markdown),
  };
}

/**
 * Empties the API's data (both shards' tables, its Redis keys), so that the four-shard mix starts
 * from the state the two-shard one did: the same users are seeded again, and most of them move.
 */
async function forgetApiData(ctx: BenchContext): Promise<void> {
  const { layout, secrets } = ctx;
  for (const cluster of ['shard0', 'shard1'] as const)
    await withPg(pgUrl(layout, secrets, cluster, 'primary'), (client) =>
      client.query('TRUNCATE order_items, orders, profiles'),
    );
  const redis = new Redis(redisUrl(layout, secrets), { lazyConnect: true });
  try {
    await redis.connect();
    for (const pattern of ['api:profile:*', 'api:ryw:*']) {
      const keys = await redis.keys(pattern);
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

/** Sets the API's settings for four shards (STACK_API_*) and restarts it on the bench stack. */
async function restartApiWithFourShards(ctx: BenchContext): Promise<void> {
  const { layout, secrets } = ctx;
  await forgetApiData(ctx);
  for (const extra of EXTRA_SHARDS) {
    await withPg(pgUrl(layout, secrets, extra.cluster, 'primary'), async (client) => {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        extra.database,
      ]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${extra.database}`);
    });
    process.env[`STACK_API_SHARD_${extra.index}_PRIMARY_URL`] = pgUrl(
      layout,
      secrets,
      extra.cluster,
      'primary',
      extra.database,
    );
    process.env[`STACK_API_SHARD_${extra.index}_REPLICA_URLS`] = pgUrl(
      layout,
      secrets,
      extra.cluster,
      'replica',
      extra.database,
    );
  }
  const migrationsDir = `${layout.repoRoot}/services/api/prisma/migrations`;
  await applyMigrationsEverywhere(
    EXTRA_SHARDS.map((extra) => ({
      databaseUrl: pgUrl(layout, secrets, extra.cluster, 'primary', extra.database),
      migrationsDir,
    })),
  );
  process.env.STACK_API_SHARD_MAP = JSON.stringify(FOUR_SHARD_MAP);
  const pid = readState(layout).api?.pid;
  if (pid !== undefined) await stopProcess(pid);
  // `up` starts what is not running: the API, with the settings above
  await up(layout, { report: (line) => log(`stack: ${line}`) });
}

export async function runApiShards(
  ctx: BenchContext,
): Promise<{ result: ApiShardsResult; files: { markdown: string; json: string } }> {
  const startedAt = new Date();
  log('api-shards: the mix with 2 shards');
  const two = await runApiReadMix(ctx);
  log('api-shards: adding shard2 and shard3, restarting the API with 4 shards');
  await restartApiWithFourShards(ctx);
  log('api-shards: the mix with 4 shards');
  const four = await runApiReadMix(ctx);
  const steps = [
    stepOf(2, two.result, two.files.markdown),
    stepOf(4, four.result, four.files.markdown),
  ];
  const result: ApiShardsResult = {
    name: NAME,
    ...runRecord(ctx, startedAt),
    steps,
    throughputRatio: four.result.throughputRatio / two.result.throughputRatio,
  };
  const files = writeResults(ctx, NAME, startedAt, renderMarkdown(result), result);
  return { result, files };
}

function renderMarkdown(r: ApiShardsResult): string {
  const row = (s: ShardsStep) =>
    `| ${s.shards} | ${fmt(s.throughputRatio, 3)} | ${fmt(s.mixRequestsPerSecond, 0)} | ${fmt(s.p99Ms)} | ${pct(s.replicaShare, 1)} | ${fmt(s.apiCpuMsPerRequest, 2)} | [report](./${s.markdown}) |`;
  return `# The API read mix with 2 and 4 shards

Run ${r.startedAt} → ${r.finishedAt} (UTC), \`${r.command}\`.

## Result

With 4 shards the mix keeps ${pct(r.throughputRatio)} of its throughput ratio with 2 (each against
its own baseline in the same run).

| shards | mix / baseline | mix req/s | mix p99 ms | reads on replicas | API CPU ms per request | full report |
|---:|---:|---:|---:|---:|---:|---|
${r.steps.map(row).join('\n')}

The two extra shards are databases on the stack's two shard clusters (their standbys replicate
them); the API routes to four shards, with four sets of pools, each owning every fourth bucket.
The machine is the same, so only the API's own cost of more shards can show.

## Machine

${machineMarkdown(r.machine)}
`;
}
