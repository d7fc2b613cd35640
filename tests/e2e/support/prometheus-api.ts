import { inject } from 'vitest';

/** One scrape target as Prometheus's `/api/v1/targets` lists it. */
export interface PrometheusTarget {
  readonly labels: Record<string, string>;
  readonly health: string;
  readonly lastError: string;
  readonly scrapeUrl?: string;
  /** The job it belongs to; the operator names them `podMonitor/<namespace>/<name>/<endpoint>`. */
  readonly scrapePool?: string;
}

/** The queries the suites make of one Prometheus. */
export interface PrometheusApi {
  /** The active scrape targets. */
  activeTargets(): Promise<PrometheusTarget[]>;
  /**
   * Evaluates an instant PromQL query whose answer is one number (wrap it in `sum(...)`);
   * `undefined` when the result is empty, i.e. no such series has been scraped yet.
   */
  queryNumber(promql: string): Promise<number | undefined>;
}

/** The HTTP API of the Prometheus at `baseUrl` (the test stack's, or a port-forward to one). */
export function prometheusApi(baseUrl: string): PrometheusApi {
  async function getJson(path: string): Promise<unknown> {
    const response = await fetch(`${baseUrl}${path}`);
    const body = (await response.json()) as { status?: string; error?: string; data?: unknown };
    if (response.status !== 200 || body.status !== 'success') {
      throw new Error(`Prometheus ${path}: ${response.status} ${body.error ?? ''}`);
    }
    return body.data;
  }
  return {
    async activeTargets() {
      const data = (await getJson('/api/v1/targets?state=active')) as {
        activeTargets: PrometheusTarget[];
      };
      return data.activeTargets;
    },
    async queryNumber(promql) {
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
    },
  };
}

/** The test stack's Prometheus. */
const stackPrometheus = () => prometheusApi(inject('stack').prometheusUrl);

/** The active scrape targets of the test stack's Prometheus. */
export function activeTargets(): Promise<PrometheusTarget[]> {
  return stackPrometheus().activeTargets();
}

/** {@link PrometheusApi.queryNumber} on the test stack's Prometheus. */
export function queryNumber(promql: string): Promise<number | undefined> {
  return stackPrometheus().queryNumber(promql);
}
