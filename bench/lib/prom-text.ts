/**
 * Prometheus's text exposition format, read by the benchmarks: scrape, parse, and subtract two
 * scrapes to get what happened in between.
 */

/** One sample of Prometheus's text format. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Samples keyed by `name{labels}` (labels sorted), so that two scrapes can be subtracted. */
export type PromSamples = ReadonlyMap<string, PromSample>;

const sampleKey = (name: string, labels: Readonly<Record<string, string>>) =>
  `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')}}`;

/** Parses Prometheus's text exposition format (comments skipped). */
export function parsePromText(text: string): Map<string, PromSample> {
  const samples = new Map<string, PromSample>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, '$1');
    const name = match[1] as string;
    samples.set(sampleKey(name, labels), { name, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Scrapes a metrics endpoint. */
export async function scrapeMetrics(url: string): Promise<Map<string, PromSample>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return parsePromText(await response.text());
}

/** `after − before` for every sample of `after` (counters and histogram series). */
export function promDelta(before: PromSamples, after: PromSamples): PromSample[] {
  return [...after].map(([key, sample]) => ({
    ...sample,
    value: sample.value - (before.get(key)?.value ?? 0),
  }));
}

/** The sum of several deltas (several measured runs), sample by sample. */
export function sumDeltas(deltas: readonly (readonly PromSample[])[]): PromSample[] {
  const total = new Map<string, PromSample>();
  for (const delta of deltas) {
    for (const sample of delta) {
      const key = sampleKey(sample.name, sample.labels);
      const value = (total.get(key)?.value ?? 0) + sample.value;
      total.set(key, { ...sample, value });
    }
  }
  return [...total.values()];
}
