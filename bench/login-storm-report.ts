/**
 * The login storm's result (bench/login-storm.ts) as its JSON holds it, and as its Markdown report
 * tells it.
 */
import type { BcryptRate } from './lib/bcrypt-rate.js';
import type { RunRecord } from './lib/context.js';
import type { LagSample, LagSummary } from './lib/event-loop.js';
import { machineMarkdown } from './lib/machine.js';
import { fmt, type Percentiles, pct } from './lib/stats.js';
import type { ProbeResult } from './lib/verify-probe.js';

/** The storm runs this long before the measured phase starts, so that the bcrypt queue is full. */
export const STORM_LEAD_MS = 1_500;
/** The auth service's `eventLoopMonitoringPrecision` (services/auth/src/metrics.ts). */
export const LAG_RESOLUTION_MS = 10;

/** The two phases of a round. */
export type Phase = 'idle' | 'storm';

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

export interface LoginStormResult extends RunRecord {
  readonly name: 'login-storm';
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

/** The benchmark's Markdown report. */
export function renderLoginStormMarkdown(r: LoginStormResult): string {
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
