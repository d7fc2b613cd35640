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
import { type BenchContext, writeResults } from './lib/context.js';
import {
  type LagSample,
  type LagSummary,
  startLagSampler,
  summariseLag,
} from './lib/event-loop.js';
import { call } from './lib/http.js';
import { cpuSnapshot, cpuUsage, machineMarkdown } from './lib/machine.js';
import { log, runBenchScript } from './lib/procs.js';
import { fmt, median, type Percentiles, pct, percentiles } from './lib/stats.js';
import { addressPlan, type BenchUser, newUsers, registerAll } from './lib/users.js';
import type { ProbeConfig, ProbeResult } from './lib/verify-probe.js';

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
/** The storm runs this long before the measured phase starts, so that the bcrypt queue is full. */
const STORM_LEAD_MS = 1_500;
/** The auth service's `eventLoopMonitoringPrecision` (services/auth/src/metrics.ts). */
const LAG_RESOLUTION_MS = 10;

type Phase = 'idle' | 'storm';

/** Logins of one storm phase that completed inside the measured window. */
export interface LoginStats {
  readonly completed: number;
  readonly ok: number;
  readonly failed: number;
  readonly perSecond: number;
  readonly latencyMs: Percentiles;
}

export interface PhaseResult {
  readonly round: number;
  readonly phase: Phase;
  readonly seconds: number;
  readonly probe: ProbeResult;
  readonly lag: LagSummary;
  readonly lagSamples: readonly LagSample[];
  /** CPU of the auth process (1 = one core), bcrypt's thread pool included. */
  readonly authCpu: number;
  readonly machineBusy: number;
  /** Busy fraction of the machine in the quiet second before the phase: other people's work. */
  readonly backgroundBusy: number;
  /** Mean duration of one bcrypt compare in the auth service during the phase, from its metrics. */
  readonly bcryptCompareMeanMs: number;
  readonly logins: LoginStats | null;
}

export interface PhaseSummary {
  readonly medianP50Ms: number;
  readonly medianP99Ms: number;
  readonly medianLagP99Ms: number;
  readonly highestLagMaxMs: number;
  readonly medianAuthCpu: number;
  readonly medianMachineBusy: number;
  readonly medianLoginsPerSecond: number;
}

export interface LoginStormResult {
  readonly name: typeof NAME;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly machine: BenchContext['machine'];
  readonly settings: {
    readonly durationSeconds: number;
    readonly rounds: number;
    readonly warmupSeconds: number;
    readonly probeUrl: string;
    readonly probeConcurrency: number;
    readonly probeRatePerSecond: number;
    readonly tokens: number;
    readonly stormClients: number;
    readonly bcryptCost: string;
    readonly bcryptConcurrency: string;
  };
  readonly phases: readonly PhaseResult[];
  readonly idle: PhaseSummary;
  readonly storm: PhaseSummary;
  readonly p99Ratio: number;
  readonly roundRatios: readonly number[];
  /** bcrypt at the service's cost on every core, measured before the rounds. */
  readonly bcryptRate: BcryptRate;
  /** Median storm logins per second / bcryptRate.perSecond. */
  readonly loginThroughputRatio: number;
  readonly valid: boolean;
  readonly targetRatio: number;
  readonly targetLoginShare: number;
  readonly targetMet: boolean;
}

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
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: ctx.command,
    machine: ctx.machine,
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
  const files = writeResults(ctx, NAME, startedAt, renderMarkdown(result), result);
  return { result, files };
}

function renderMarkdown(r: LoginStormResult): string {
  const s = r.settings;
  const figures = `\`/verify\` p99 during the storm is ${fmt(r.p99Ratio)}× its idle value (target ≤ ${fmt(r.targetRatio, 1)}×); the storm completed ${fmt(r.storm.medianLoginsPerSecond)} logins/s, ${pct(r.loginThroughputRatio)} of the ${fmt(r.bcryptRate.perSecond)} hashes/s the machine computes on all ${r.bcryptRate.threads} cores (target ≥ ${pct(r.targetLoginShare)})`;
  const verdict = r.targetMet
    ? `**met**: ${figures}.`
    : r.valid
      ? `**not met**: ${figures}.`
      : '**not valid**: some `/verify` requests or logins failed (see the table); the ratios are not meaningful.';
  const row = (p: PhaseResult) =>
    `| ${p.round} | ${p.phase} | ${p.probe.requests} | ${fmt(p.probe.latencyMs.p50)} | ${fmt(p.probe.latencyMs.p90)} | ${fmt(p.probe.latencyMs.p99)} | ${fmt(p.probe.latencyMs.max)} | ${p.probe.non200 + p.probe.errors} | ${fmt(p.lag.p50Median)} | ${fmt(p.lag.p99Median)} | ${fmt(p.lag.maxHighest)} | ${pct(p.authCpu)} | ${pct(p.machineBusy)} | ${pct(p.backgroundBusy)} | ${p.logins ? `${fmt(p.logins.perSecond)} (${p.logins.ok} ok, ${p.logins.failed} failed)` : '-'} | ${p.logins ? fmt(p.logins.latencyMs.p50, 0) : '-'} | ${fmt(p.bcryptCompareMeanMs, 0)} |`;
  return `# \`/verify\` latency during a login storm (bcrypt cost ${s.bcryptCost.split(' ')[0]})

Run ${r.startedAt} → ${r.finishedAt} (UTC), \`${r.command}\`.

## Result

${verdict}

| | idle | login storm | storm / idle |
|---|---:|---:|---:|
| \`/verify\` p50 (ms, median over rounds) | ${fmt(r.idle.medianP50Ms)} | ${fmt(r.storm.medianP50Ms)} | ${fmt(r.storm.medianP50Ms / r.idle.medianP50Ms)} |
| \`/verify\` p99 (ms, median over rounds) | ${fmt(r.idle.medianP99Ms)} | ${fmt(r.storm.medianP99Ms)} | **${fmt(r.p99Ratio)}** |
| event-loop delay p99 (ms, median of 1 s scrapes) | ${fmt(r.idle.medianLagP99Ms)} | ${fmt(r.storm.medianLagP99Ms)} | ${fmt(r.storm.medianLagP99Ms / r.idle.medianLagP99Ms)} |
| event-loop delay p99 beyond the ${LAG_RESOLUTION_MS} ms sampling interval (ms) | ${fmt(r.idle.medianLagP99Ms - LAG_RESOLUTION_MS)} | ${fmt(r.storm.medianLagP99Ms - LAG_RESOLUTION_MS)} | ${fmt((r.storm.medianLagP99Ms - LAG_RESOLUTION_MS) / (r.idle.medianLagP99Ms - LAG_RESOLUTION_MS))} |
| event-loop delay max (ms, highest scrape) | ${fmt(r.idle.highestLagMaxMs)} | ${fmt(r.storm.highestLagMaxMs)} | |
| auth process CPU (100 % = 1 core) | ${pct(r.idle.medianAuthCpu)} | ${pct(r.storm.medianAuthCpu)} | |
| machine busy (all ${r.machine.cores} cores) | ${pct(r.idle.medianMachineBusy)} | ${pct(r.storm.medianMachineBusy)} | |
| successful logins per second | - | ${fmt(r.storm.medianLoginsPerSecond)} | |
| bcrypt hashes per second, all cores, nothing else running | ${fmt(r.bcryptRate.perSecond)} | | logins / hashes: **${pct(r.loginThroughputRatio)}** |

Storm/idle p99 ratio per round: ${r.roundRatios.map((x) => fmt(x)).join(', ')}.

The event-loop figures are prom-client's \`nodejs_eventloop_lag_*_seconds\` gauges scraped from the
auth service's metrics port. They come from Node's \`monitorEventLoopDelay\` with a
${LAG_RESOLUTION_MS} ms resolution (the service's \`eventLoopMonitoringPrecision\`), whose samples
include that interval: an idle loop reads about ${LAG_RESOLUTION_MS} ms, and the delay caused by
work is what lies beyond it.

## Machine

${machineMarkdown(r.machine)}

## Settings

- The bench stack's auth service (\`services/auth/dist/main.js\`, one process, real Postgres and Redis), BCRYPT_COST ${s.bcryptCost}, BCRYPT_CONCURRENCY ${s.bcryptConcurrency}.
- Probe: a separate Node process sending \`GET ${s.probeUrl}\` **directly to the auth port** (no nginx, to isolate the auth process), ${s.probeConcurrency} kept-alive connections paced to ${s.probeRatePerSecond} requests/s in total, rotating over ${s.tokens} access tokens of distinct users; every latency recorded, percentiles computed over the phase.
- Storm: ${s.stormClients} clients in the driver, each logging its own user in (\`POST /auth/login\`, correct password) back to back from its own X-Forwarded-For address; users registered on the same service beforehand, so their hashes have its cost. The storm starts ${STORM_LEAD_MS / 1000} s before the measured window; logins are counted when they complete inside it.
- Hash ceiling: before the rounds, \`bench/lib/bcrypt-rate.ts\` hashes at cost ${s.bcryptCost.split(' ')[0]} with the auth service's bcrypt module on ${r.bcryptRate.threads} threads (one per core) for ${fmt(r.bcryptRate.seconds, 1)} s: ${r.bcryptRate.hashes} hashes.
- ${s.rounds} round(s) of an idle phase then a storm phase, ${s.durationSeconds} s each; ${s.warmupSeconds} s unmeasured probe warm-up first.

## Phases

| round | phase | /verify requests | p50 ms | p90 ms | p99 ms | max ms | failed | lag p50 ms | lag p99 ms | lag max ms | auth CPU | machine busy | busy before | logins/s | login p50 ms | bcrypt compare ms |
|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|
${r.phases.map(row).join('\n')}

"lag" columns: median over the phase's 1 s scrapes of the p50 and p99 gauges, and the highest max. "bcrypt compare ms" is the mean compare time the service measured during the phase (its time on a hashing thread, queueing excluded).
`;
}
