import { median } from './stats.js';

/**
 * One scrape of the auth service's event-loop delay gauges (prom-client's default metrics), in
 * milliseconds. prom-client resets its delay histogram at every scrape (ours and the stack
 * Prometheus's, every 2 s), so each sample covers the time since the previous scrape by anyone.
 */
export interface LagSample {
  readonly at: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

function gauge(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\S+)`, 'm').exec(text);
  return match ? Number(match[1]) * 1000 : Number.NaN;
}

export async function scrapeLag(metricsUrl: string): Promise<LagSample> {
  const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  return {
    at: Date.now(),
    p50: gauge(text, 'nodejs_eventloop_lag_p50_seconds'),
    p99: gauge(text, 'nodejs_eventloop_lag_p99_seconds'),
    max: gauge(text, 'nodejs_eventloop_lag_max_seconds'),
    mean: gauge(text, 'nodejs_eventloop_lag_mean_seconds'),
  };
}

/** Event-loop lag over one phase: medians of the per-scrape p50/p99, and the largest max. */
export interface LagSummary {
  readonly samples: number;
  readonly p50Median: number;
  readonly p99Median: number;
  readonly p99Highest: number;
  readonly maxHighest: number;
}

export function summariseLag(samples: readonly LagSample[]): LagSummary {
  const valid = samples.filter((s) => Number.isFinite(s.p99));
  return {
    samples: valid.length,
    p50Median: median(valid.map((s) => s.p50)),
    p99Median: median(valid.map((s) => s.p99)),
    p99Highest: valid.length ? Math.max(...valid.map((s) => s.p99)) : Number.NaN,
    maxHighest: valid.length ? Math.max(...valid.map((s) => s.max)) : Number.NaN,
  };
}

/** Scrapes every `intervalMs` until stopped; resets the window with a first scrape at start. */
export function startLagSampler(
  metricsUrl: string,
  intervalMs = 1_000,
): { stop: () => Promise<LagSample[]> } {
  const samples: LagSample[] = [];
  let stopped = false;
  const loop = (async () => {
    await scrapeLag(metricsUrl).catch(() => undefined); // discard: covers the time before
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (stopped) break;
      const sample = await scrapeLag(metricsUrl).catch(() => undefined);
      if (sample) samples.push(sample);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}
