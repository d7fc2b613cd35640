import { inject } from 'vitest';

/** One scrape target as Prometheus's `/api/v1/targets` lists it. */
export interface PrometheusTarget {
  readonly labels: Record<string, string>;
  readonly health: string;
  readonly lastError: string;
}

async function getJson(path: string): Promise<unknown> {
  const response = await fetch(`${inject('stack').prometheusUrl}${path}`);
  const body = (await response.json()) as { status?: string; error?: string; data?: unknown };
  if (response.status !== 200 || body.status !== 'success') {
    throw new Error(`Prometheus ${path}: ${response.status} ${body.error ?? ''}`);
  }
  return body.data;
}

/** The active scrape targets. */
export async function activeTargets(): Promise<PrometheusTarget[]> {
  const data = (await getJson('/api/v1/targets?state=active')) as {
    activeTargets: PrometheusTarget[];
  };
  return data.activeTargets;
}

/**
 * Evaluates an instant PromQL query whose answer is one number (wrap it in `sum(...)`);
 * `undefined` when the result is empty, i.e. no such series has been scraped yet.
 */
export async function queryNumber(promql: string): Promise<number | undefined> {
  const data = (await getJson(`/api/v1/query?query=${encodeURIComponent(promql)}`)) as {
    resultType: string;
    result: { value: [number, string] }[];
  };
  if (data.resultType !== 'vector')
    throw new Error(`${promql}: a ${data.resultType}, not a vector`);
  if (data.result.length > 1)
    throw new Error(`${promql}: ${data.result.length} series, expected 1`);
  const sample = data.result[0];
  return sample === undefined ? undefined : Number(sample.value[1]);
}
