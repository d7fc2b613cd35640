import { join } from 'node:path';
import { readState } from '../scripts/stack/state.js';
import {
  type AbRun,
  type AbSideSummary,
  abLoad,
  abRunsTable,
  runAbRounds,
  type Side,
  sideUrl,
} from './lib/ab-rounds.js';
import { startBenchGateway } from './lib/bench-nginx.js';
import { type BenchContext, type RunRecord, runRecord, writeResults } from './lib/context.js';
import { runSanityChecks, tokenChecks } from './lib/http.js';
import { machineMarkdown } from './lib/machine.js';
import { nginxErrorLines } from './lib/nginx-errors.js';
import { Cleanup, log, startBenchScript } from './lib/procs.js';
import { fmt, pct } from './lib/stats.js';
import { wrkCommandLine } from './lib/wrk.js';

export const NAME = 'verify-through-gateway';
/** Throughput of side A must be at least this fraction of side B's. */
export const TARGET_RATIO = 0.95;

/** One measured wrk run (see bench/lib/ab-rounds.ts). */
export type GatewayRun = AbRun;
/** Medians of one side. */
export type SideSummary = AbSideSummary;

export interface VerifyBenchResult extends RunRecord {
  readonly name: typeof NAME;
  readonly settings: {
    readonly wrk: string;
    readonly durationSeconds: number;
    readonly rounds: number;
    readonly warmupSeconds: number;
    readonly tokens: number;
    readonly nginxWorkers: number;
    readonly authLogLevel: string;
  };
  readonly checks: Readonly<Record<string, number>>;
  readonly runs: readonly GatewayRun[];
  readonly sides: Readonly<Record<Side, SideSummary>>;
  readonly throughputRatio: number;
  readonly p99Ratio: number;
  readonly nginxErrorLines: number;
  readonly valid: boolean;
  readonly targetRatio: number;
  readonly targetMet: boolean;
}

export async function runVerifyThroughGateway(
  ctx: BenchContext,
): Promise<{ result: VerifyBenchResult; files: { markdown: string; json: string } }> {
  const startedAt = new Date();
  const { layout, ports, options } = ctx;
  const local = new Cleanup();
  ctx.cleanup.add('gateway benchmark processes', () => local.runAll());
  try {
    log('gateway benchmark: starting the trivial backend, the trivial /verify and nginx');
    const trivialPid = await startBenchScript(
      local,
      layout,
      'trivial verify',
      'trivial-server.ts',
      ['verify', String(ports.trivialVerify)],
      ports.trivialVerify,
      join(layout.logDir, 'bench-trivial-verify.log'),
    );
    const { errorLog } = await startBenchGateway(local, layout, ports.backend, [
      {
        port: ports.sideA,
        authUrl: `http://127.0.0.1:${layout.ports.auth}/verify`,
        label: `side A: auth_request to the real auth service (port ${layout.ports.auth})`,
      },
      {
        port: ports.sideB,
        authUrl: `http://127.0.0.1:${ports.trivialVerify}/verify`,
        label: `side B: auth_request to the trivial 200 handler (port ${ports.trivialVerify})`,
      },
    ]);
    const authPid = readState(layout).auth?.pid;
    if (authPid === undefined) throw new Error('the bench stack has no auth process recorded');
    const errorLinesBefore = nginxErrorLines(errorLog);

    // both sides must really pass a valid token through to the backend, and A must refuse junk
    const url = (side: Side) => sideUrl(ports, side);
    const token = ctx.tokens[0] as string;
    const checks = await runSanityChecks('gateway', [
      ...tokenChecks('A', url('A'), token),
      { what: 'B with a valid token', url: url('B'), token, expect: 200 },
    ]);

    const wrkOptions = abLoad(ctx, local);

    log('gateway benchmark:');
    const outcome = await runAbRounds({
      wrk: wrkOptions,
      verifierPid: { A: authPid, B: trivialPid },
      rounds: options.rounds,
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
    });
    const { runs, sides, throughputRatio, valid } = outcome;
    const result: VerifyBenchResult = {
      name: NAME,
      ...runRecord(ctx, startedAt),
      settings: {
        wrk: wrkCommandLine(wrkOptions('A', options.durationSeconds), '<tokens.lua>'),
        durationSeconds: options.durationSeconds,
        rounds: options.rounds,
        warmupSeconds: options.warmupSeconds,
        tokens: ctx.tokens.length,
        nginxWorkers: 2,
        authLogLevel: `LOG_LEVEL=${process.env.LOG_LEVEL ?? 'info'}, VERIFY_LOG_LEVEL=${process.env.STACK_AUTH_VERIFY_LOG_LEVEL ?? 'debug'}`,
      },
      checks,
      runs,
      sides,
      throughputRatio,
      p99Ratio: outcome.p99Ratio,
      nginxErrorLines: nginxErrorLines(errorLog) - errorLinesBefore,
      valid,
      targetRatio: TARGET_RATIO,
      targetMet: valid && throughputRatio >= TARGET_RATIO,
    };
    const files = writeResults(ctx, NAME, startedAt, renderMarkdown(result), result);
    return { result, files };
  } finally {
    await local.runAll();
  }
}

function renderMarkdown(r: VerifyBenchResult): string {
  const { A, B } = r.sides;
  const s = r.settings;
  const verdict = r.targetMet
    ? `**met**: side A reaches ${pct(r.throughputRatio, 1)} of side B's throughput (target ≥ ${pct(r.targetRatio)}).`
    : r.valid
      ? `**not met**: side A reaches ${pct(r.throughputRatio, 1)} of side B's throughput, ${fmt((r.targetRatio - r.throughputRatio) * 100, 1)} points short of the ${pct(r.targetRatio)} target.`
      : '**not valid**: some requests failed (non-2xx or socket errors, see the table); the ratio is not meaningful.';
  return `# /verify through nginx \`auth_request\` vs a trivial 200 handler

Run ${r.startedAt} → ${r.finishedAt} (UTC), \`${r.command}\`.

## Result

${verdict}

| | A: real auth \`/verify\` | B: trivial 200 handler | A / B |
|---|---:|---:|---:|
| median throughput (req/s) | ${fmt(A.medianRequestsPerSecond, 0)} | ${fmt(B.medianRequestsPerSecond, 0)} | **${fmt(r.throughputRatio, 3)}** |
| median p50 latency (ms) | ${fmt(A.medianP50Ms)} | ${fmt(B.medianP50Ms)} | ${fmt(A.medianP50Ms / B.medianP50Ms)} |
| median p99 latency (ms) | ${fmt(A.medianP99Ms)} | ${fmt(B.medianP99Ms)} | ${fmt(r.p99Ratio)} |
| median CPU of the \`/verify\` process (100 % = 1 core) | ${pct(A.medianVerifierCpu)} | ${pct(B.medianVerifierCpu)} | |

Medians over ${s.rounds} run(s) per side. Failed requests in all runs: ${r.valid ? 'none' : 'some (see below)'}; nginx error-log lines during the runs: ${r.nginxErrorLines}.

## Machine

${machineMarkdown(r.machine)}

## Settings

- One nginx (${s.nginxWorkers} workers, access log off), two ports identical but for the \`auth_request\` target. The \`/_external-auth\` and \`/api/\` locations are taken verbatim from the stack gateway's configuration (\`renderGatewayConfig\`): GET subrequest, a new connection per subrequest, the ingress-nginx headers, four \`auth_request_set\` + \`proxy_set_header\` X-User-* lines. Only the two \`proxy_pass\` targets differ.
- **A**: \`auth_request\` → the bench stack's auth service (\`services/auth/dist/main.js\`, one process, real Postgres and Redis, ${s.authLogLevel}: an allowed check is logged only at VERIFY_LOG_LEVEL=info, a refusal always).
- **B**: \`auth_request\` → a trivial Koa app (own process) answering 200 with the same four headers.
- Both proxy \`/api/\` to one trivial node:http backend (own process, keep-alive upstream) that answers 200 only when \`X-User-Id\` arrived.
- Load: \`${s.wrk}\`, ${s.durationSeconds} s per run, ${s.rounds} round(s) alternating A B / B A, ${s.warmupSeconds} s unmeasured warm-up per side. The Lua script rotates over ${s.tokens} access tokens of ${s.tokens} distinct users (EdDSA JWTs issued by the real auth service, one login each).
- Sanity checks before the runs (HTTP status): ${Object.entries(r.checks)
    .map(([k, v]) => `${k} → ${v}`)
    .join('; ')}.

## Runs

${abRunsTable(r.runs, '/verify CPU')}

Latencies are wrk's (client → nginx → auth subrequest → backend → client). "failed" counts non-2xx answers and socket errors. Machine busy is the share of all ${r.machine.cores} cores in use during the run, wrk included: the benchmark, the services and nginx share the same machine. "busy before" is the same share in the idle second before the run, i.e. work that is not the benchmark's (other processes on the machine); when it is high, absolute figures drop and only the A/B ratio of the same run is meaningful.
`;
}
