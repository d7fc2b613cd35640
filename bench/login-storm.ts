/**
 * Benchmark 2: `/verify` latency and the auth service's event-loop lag while a login storm
 * (bcrypt cost 12) runs against the same auth process, compared with the same measurements at
 * idle in the same run.
 *
 * Each round has an idle phase and a storm phase of equal length. In both, a separate probe
 * process sends a light paced load of `GET /verify` straight to the auth service's port (no
 * nginx: this isolates the auth process) with the access tokens of distinct users, and records
 * every latency; the driver scrapes the service's event-loop delay gauges once a second. In the
 * storm phase, 16 clients also log in continuously with correct passwords. Target: the median
 * storm p99 at most twice the median idle p99. Run it through bench/run.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceEnv } from '../scripts/stack/services.js';
import { readState } from '../scripts/stack/state.js';
import type { BcryptRate } from './lib/bcrypt-rate.js';
import { type BenchContext, runRecord, writeResults } from './lib/context.js';
import { startLagSampler, summariseLag } from './lib/event-loop.js';
import { call } from './lib/http.js';
import { cpuSnapshot, cpuUsage } from './lib/machine.js';
import { log, runBenchScript } from './lib/procs.js';
import { fmt, median, percentiles } from './lib/stats.js';
import { addressPlan, type BenchUser, newUsers, registerAll } from './lib/users.js';
import type { ProbeConfig, ProbeResult } from './lib/verify-probe.js';
import {
  type LoginStats,
  type LoginStormResult,
  type Phase,
  type PhaseResult,
  type PhaseSummary,
  renderLoginStormMarkdown,
  STORM_LEAD_MS,
} from './login-storm-report.js';

export const NAME = 'login-storm';
/** The storm's `/verify` p99 may be at most this multiple of the idle p99. */
export const TARGET_RATIO = 1.5;
/**
 * Logins completed per second during the storm, as a share of the hashes per second the machine
 * computes on all cores: at least this much, so that the p99 is not bought by throttling logins.
 */
export const TARGET_LOGIN_SHARE = 0.9;
/** Seconds of the all-cores bcrypt measurement. */
const BCRYPT_RATE_SECONDS = 10;
const STORM_CLIENTS = 16;
const PROBE_CONCURRENCY = 4;
const PROBE_RATE_PER_SECOND = 400;

interface LoginRecord {
  readonly end: number;
  readonly ms: number;
  readonly status: number;
}

/** 16 clients logging in back to back, each as its own user from its own address. */
function startStorm(authUrl: string, users: readonly BenchUser[]) {
  let stopped = false;
  const records: LoginRecord[] = [];
  const loops = users.map(async (user) => {
    while (!stopped) {
      const started = performance.now();
      let status = 0;
      try {
        status = (
          await call(`${authUrl}/auth/login`, {
            json: { email: user.email, password: user.password },
            headers: { 'x-forwarded-for': user.ip },
            timeoutMs: 120_000,
          })
        ).status;
      } catch {
        status = 0;
      }
      const end = performance.now();
      records.push({ end, ms: end - started, status });
    }
  });
  return {
    /** Stops issuing logins and waits for the ones in flight. */
    async stop(): Promise<LoginRecord[]> {
      stopped = true;
      await Promise.all(loops);
      return records;
    },
  };
}

/** Sum and count of the auth service's bcrypt compare histogram. */
async function bcryptCompares(metricsUrl: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const value = (suffix: string) => {
    const match = new RegExp(
      `^auth_bcrypt_duration_seconds_${suffix}\\{[^}]*operation="compare"[^}]*\\}\\s+(\\S+)`,
      'm',
    ).exec(text);
    return match ? Number(match[1]) : 0;
  };
  return { sum: value('sum'), count: value('count') };
}

export async function runLoginStorm(
  ctx: BenchContext,
): Promise<{ result: LoginStormResult; files: { markdown: string; json: string } }> {
  const startedAt = new Date();
  const { layout, options } = ctx;
  const authUrl = `http://127.0.0.1:${layout.ports.auth}`;
  const metricsUrl = `http://127.0.0.1:${layout.ports.authMetrics}/metrics`;
  const authPid = readState(layout).auth?.pid;
  if (authPid === undefined) throw new Error('the bench stack has no auth process recorded');
  const authEnv = serviceEnv(layout, ctx.secrets, 'auth');

  // The storm's users are registered on the measured auth service itself, so their hashes have
  // its cost (12 by default); each from its own address (the per-IP limit is 10 an hour).
  log(`login storm: registering ${STORM_CLIENTS} users on the auth service (bcrypt cost 12)`);
  const stormUsers = newUsers(STORM_CLIENTS, 'storm', addressPlan());
  await registerAll(authUrl, stormUsers, 4);

  const probeConfig = (durationMs: number) => {
    const config: ProbeConfig = {
      url: `${authUrl}/verify`,
      tokensFile: ctx.tokensFile,
      concurrency: PROBE_CONCURRENCY,
      ratePerSecond: PROBE_RATE_PER_SECOND,
      durationMs,
    };
    const file = join(ctx.workDir, 'probe.json');
    writeFileSync(file, JSON.stringify(config));
    return file;
  };
  const probe = async (seconds: number): Promise<ProbeResult> => {
    const out = await runBenchScript(
      layout,
      'verify-probe.ts',
      [probeConfig(seconds * 1000)],
      (seconds + 60) * 1000,
    );
    return JSON.parse(out.trim().split('\n').pop() as string) as ProbeResult;
  };

  const cost = Number(authEnv.BCRYPT_COST ?? 12);
  log(`login storm: bcrypt cost ${cost} on every core for ${BCRYPT_RATE_SECONDS} s`);
  const bcryptRate = JSON.parse(
    (
      await runBenchScript(
        layout,
        'bcrypt-rate.ts',
        [String(cost), String(BCRYPT_RATE_SECONDS)],
        (BCRYPT_RATE_SECONDS + 60) * 1000,
      )
    )
      .trim()
      .split('\n')
      .pop() as string,
  ) as BcryptRate;
  log(`  ${fmt(bcryptRate.perSecond)} hashes/s on ${bcryptRate.threads} threads`);

  log(`login storm: warm-up ${options.warmupSeconds} s`);
  await probe(options.warmupSeconds);

  const phases: PhaseResult[] = [];
  const measure = async (round: number, phase: Phase): Promise<void> => {
    const quiet = cpuSnapshot([]);
    await sleep(1_000);
    const backgroundBusy = cpuUsage(quiet, cpuSnapshot([])).machineBusy;
    const storm = phase === 'storm' ? startStorm(authUrl, stormUsers) : null;
    if (storm) await sleep(STORM_LEAD_MS);
    const compareBefore = await bcryptCompares(metricsUrl);
    const cpuBefore = cpuSnapshot([authPid]);
    const sampler = startLagSampler(metricsUrl);
    const windowStart = performance.now();
    const probeResult = await probe(options.durationSeconds);
    const windowEnd = performance.now();
    const lagSamples = await sampler.stop();
    const usage = cpuUsage(cpuBefore, cpuSnapshot([authPid]));
    const compareAfter = await bcryptCompares(metricsUrl);
    const records = storm ? await storm.stop() : null;
    const seconds = (windowEnd - windowStart) / 1000;
    let logins: LoginStats | null = null;
    if (records) {
      const inWindow = records.filter((r) => r.end >= windowStart && r.end <= windowEnd);
      const ok = inWindow.filter((r) => r.status === 200);
      logins = {
        completed: inWindow.length,
        ok: ok.length,
        failed: inWindow.length - ok.length,
        perSecond: ok.length / seconds,
        latencyMs: percentiles(ok.map((r) => r.ms)),
      };
    }
    const compares = compareAfter.count - compareBefore.count;
    const result: PhaseResult = {
      round,
      phase,
      seconds,
      probe: probeResult,
      lag: summariseLag(lagSamples),
      lagSamples,
      authCpu: usage.processes[authPid] ?? Number.NaN,
      machineBusy: usage.machineBusy,
      backgroundBusy,
      bcryptCompareMeanMs:
        compares > 0 ? ((compareAfter.sum - compareBefore.sum) / compares) * 1000 : Number.NaN,
      logins,
    };
    phases.push(result);
    log(
      `  round ${round} ${phase}: /verify p50 ${fmt(probeResult.latencyMs.p50)} ms, p99 ${fmt(probeResult.latencyMs.p99)} ms, lag p99 ${fmt(result.lag.p99Median)} ms${logins ? `, ${fmt(logins.perSecond)} logins/s` : ''}`,
    );
  };
  for (let round = 1; round <= options.rounds; round++) {
    await measure(round, 'idle');
    await measure(round, 'storm');
  }

  const summarise = (phase: Phase): PhaseSummary => {
    const mine = phases.filter((p) => p.phase === phase);
    return {
      medianP50Ms: median(mine.map((p) => p.probe.latencyMs.p50)),
      medianP99Ms: median(mine.map((p) => p.probe.latencyMs.p99)),
      medianLagP99Ms: median(mine.map((p) => p.lag.p99Median)),
      highestLagMaxMs: Math.max(...mine.map((p) => p.lag.maxHighest)),
      medianAuthCpu: median(mine.map((p) => p.authCpu)),
      medianMachineBusy: median(mine.map((p) => p.machineBusy)),
      medianLoginsPerSecond: median(mine.map((p) => p.logins?.perSecond ?? 0)),
    };
  };
  const idle = summarise('idle');
  const storm = summarise('storm');
  const p99Ratio = storm.medianP99Ms / idle.medianP99Ms;
  const loginThroughputRatio = storm.medianLoginsPerSecond / bcryptRate.perSecond;
  const roundRatios = Array.from({ length: options.rounds }, (_, i) => {
    const of = (phase: Phase) =>
      phases.find((p) => p.round === i + 1 && p.phase === phase)?.probe.latencyMs.p99 ?? Number.NaN;
    return of('storm') / of('idle');
  });
  const valid = phases.every(
    (p) =>
      p.probe.non200 === 0 &&
      p.probe.errors === 0 &&
      (p.logins === null || (p.logins.failed === 0 && p.logins.ok > 0)),
  );
  const result: LoginStormResult = {
    name: NAME,
    ...runRecord(ctx, startedAt),
    settings: {
      durationSeconds: options.durationSeconds,
      rounds: options.rounds,
      warmupSeconds: options.warmupSeconds,
      probeUrl: `${authUrl}/verify`,
      probeConcurrency: PROBE_CONCURRENCY,
      probeRatePerSecond: PROBE_RATE_PER_SECOND,
      tokens: ctx.tokens.length,
      stormClients: STORM_CLIENTS,
      bcryptCost: authEnv.BCRYPT_COST ?? '12 (service default)',
      bcryptConcurrency: authEnv.BCRYPT_CONCURRENCY ?? 'the CPUs available (service default)',
    },
    phases,
    idle,
    storm,
    p99Ratio,
    roundRatios,
    bcryptRate,
    loginThroughputRatio,
    valid,
    targetRatio: TARGET_RATIO,
    targetLoginShare: TARGET_LOGIN_SHARE,
    targetMet: valid && p99Ratio <= TARGET_RATIO && loginThroughputRatio >= TARGET_LOGIN_SHARE,
  };
  const files = writeResults(ctx, NAME, startedAt, renderLoginStormMarkdown(result), result);
  return { result, files };
}
