import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext, BenchPorts } from './context.js';
import { cpuSnapshot, cpuUsage } from './machine.js';
import { type Cleanup, log } from './procs.js';
import { fmt, median, pct } from './stats.js';
import { runWrk, type WrkOptions, type WrkResult, writeTokenScript } from './wrk.js';

/** wrk's threads and connections in every `/verify` benchmark (gateway, peer, scale). */
export const GATEWAY_LOAD = { threads: 2, connections: 32 } as const;
/** The path wrk asks the benchmark's nginx for: its `/api/` location, behind `auth_request`. */
export const GATEWAY_PATH = '/api/bench';

/** The two sides of a comparison through the same nginx. */
export type Side = 'A' | 'B';

/** One measured wrk run of one side. */
export interface AbRun {
  readonly round: number;
  readonly side: Side;
  readonly wrk: WrkResult;
  /** CPU of the process answering the auth subrequest (1 = one core). */
  readonly verifierCpu: number;
  /** Busy fraction of the whole machine (all cores) during the run. */
  readonly machineBusy: number;
  /** Busy fraction of the machine in the idle second before the run: other people's work. */
  readonly backgroundBusy: number;
}

/** Medians of one side's runs. */
export interface AbSideSummary {
  readonly medianRequestsPerSecond: number;
  readonly medianP50Ms: number;
  readonly medianP99Ms: number;
  readonly medianVerifierCpu: number;
}

/** The runs of both sides and what they add up to. */
export interface AbOutcome {
  readonly runs: readonly AbRun[];
  readonly sides: Readonly<Record<Side, AbSideSummary>>;
  /** A's median throughput over B's. */
  readonly throughputRatio: number;
  /** A's median p99 over B's. */
  readonly p99Ratio: number;
  /** No run had a non-2xx answer or a socket error. */
  readonly valid: boolean;
}

/** What {@link runAbRounds} measures. */
export interface AbPlan {
  /** wrk's settings for a side and a duration. */
  readonly wrk: (side: Side, durationSeconds: number) => WrkOptions;
  /** The process answering each side's auth subrequests, whose CPU is recorded. */
  readonly verifierPid: Readonly<Record<Side, number>>;
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
}

/** Failed requests of a run: non-2xx answers and socket errors. */
export const failures = (run: AbRun): number =>
  run.wrk.non2xx + Object.values(run.wrk.socketErrors).reduce((a, b) => a + b, 0);

/**
 * A warm-up per side, then `rounds` rounds in alternating order (A B, B A, ...) so that drift
 * over the run hits both sides alike; before each run, one quiet second measures the machine's
 * background load.
 */
export async function runAbRounds(plan: AbPlan): Promise<AbOutcome> {
  log(`warm-up ${plan.warmupSeconds} s per side`);
  for (const side of ['A', 'B'] as const) await runWrk(plan.wrk(side, plan.warmupSeconds));
  const runs: AbRun[] = [];
  for (let round = 1; round <= plan.rounds; round++) {
    const order: Side[] = round % 2 === 1 ? ['A', 'B'] : ['B', 'A'];
    for (const side of order) {
      const quiet = cpuSnapshot([]);
      await sleep(1_000);
      const backgroundBusy = cpuUsage(quiet, cpuSnapshot([])).machineBusy;
      const pid = plan.verifierPid[side];
      const before = cpuSnapshot([pid]);
      const wrk = await runWrk(plan.wrk(side, plan.durationSeconds));
      const usage = cpuUsage(before, cpuSnapshot([pid]));
      runs.push({
        round,
        side,
        wrk,
        verifierCpu: usage.processes[pid] ?? Number.NaN,
        machineBusy: usage.machineBusy,
        backgroundBusy,
      });
      log(
        `  round ${round} side ${side}: ${fmt(wrk.requestsPerSecond, 0)} req/s, p99 ${fmt(wrk.latencyMs.p99)} ms, non-2xx ${wrk.non2xx}`,
      );
    }
  }
  const summarise = (side: Side): AbSideSummary => {
    const mine = runs.filter((r) => r.side === side);
    return {
      medianRequestsPerSecond: median(mine.map((r) => r.wrk.requestsPerSecond)),
      medianP50Ms: median(mine.map((r) => r.wrk.latencyMs.p50)),
      medianP99Ms: median(mine.map((r) => r.wrk.latencyMs.p99)),
      medianVerifierCpu: median(mine.map((r) => r.verifierCpu)),
    };
  };
  const sides = { A: summarise('A'), B: summarise('B') };
  return {
    runs,
    sides,
    throughputRatio: sides.A.medianRequestsPerSecond / sides.B.medianRequestsPerSecond,
    p99Ratio: sides.A.medianP99Ms / sides.B.medianP99Ms,
    valid: runs.every((r) => failures(r) === 0),
  };
}

/** The Markdown table of every run, with the columns both gateway comparisons report. */
export function abRunsTable(runs: readonly AbRun[], verifierColumn: string): string {
  const row = (run: AbRun) =>
    `| ${run.round} | ${run.side} | ${fmt(run.wrk.requestsPerSecond, 0)} | ${fmt(run.wrk.latencyMs.p50)} | ${fmt(run.wrk.latencyMs.p75)} | ${fmt(run.wrk.latencyMs.p90)} | ${fmt(run.wrk.latencyMs.p99)} | ${fmt(run.wrk.latencyMs.max)} | ${failures(run)} | ${pct(run.verifierCpu)} | ${pct(run.machineBusy)} | ${pct(run.backgroundBusy)} |`;
  return `| round | side | req/s | p50 ms | p75 ms | p90 ms | p99 ms | max ms | failed | ${verifierColumn} | machine busy | busy before |
|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${runs.map(row).join('\n')}`;
}

/** The URL of a side of the benchmark's nginx (bench/lib/bench-nginx.ts). */
export function sideUrl(ports: Pick<BenchPorts, 'sideA' | 'sideB'>, side: Side): string {
  return `http://127.0.0.1:${side === 'A' ? ports.sideA : ports.sideB}${GATEWAY_PATH}`;
}

/**
 * wrk's settings for either side of an A/B comparison: the context's tokens in rotation (one
 * script, removed with `cleanup`), {@link GATEWAY_LOAD}.
 */
export function abLoad(
  ctx: Pick<BenchContext, 'workDir' | 'tokens' | 'ports'>,
  cleanup: Cleanup,
): (side: Side, durationSeconds: number) => WrkOptions {
  const script = join(ctx.workDir, 'tokens.lua');
  writeTokenScript(script, ctx.tokens, GATEWAY_PATH, GATEWAY_LOAD.threads);
  cleanup.add('token script', () => rmSync(script, { force: true }));
  return (side, durationSeconds) => ({
    url: sideUrl(ctx.ports, side),
    script,
    ...GATEWAY_LOAD,
    durationSeconds,
  });
}
