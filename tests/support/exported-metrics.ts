/**
 * The series the services really export, read from their own metric registries (the classes of
 * services/auth/src/metrics.ts and services/api/src/metrics.ts, shared metrics and Node's defaults
 * included), plus the few series of other exporters the alerts use. Alert and dashboard tests
 * check every metric name and label they query against this, so a renamed metric breaks a test
 * rather than an alert.
 */
import { ApiMetrics } from '../../services/api/src/metrics.js';
import { AuthMetrics } from '../../services/auth/src/metrics.js';

/**
 * Labels every scraped series carries besides its own: Prometheus's `job` and `instance`, and what
 * the PodMonitors add (`namespace`, `pod`, `container`, `endpoint` by the operator; `service` by
 * their relabeling, as the dev Prometheus does).
 */
export const TARGET_LABELS: readonly string[] = [
  'job',
  'instance',
  'namespace',
  'pod',
  'container',
  'endpoint',
  'service',
];

/** Series of other exporters the alerts use, with their own labels. */
export const EXTERNAL_SERIES: Readonly<Record<string, readonly string[]>> = {
  // kube-state-metrics: one series per container; namespace, pod and container are the
  // restarted pod's (kube-prometheus-stack scrapes it with honorLabels).
  kube_pod_container_status_restarts_total: ['uid'],
  // kube-state-metrics: one series per CronJob (the Postgres backups).
  kube_cronjob_status_last_successful_time: ['cronjob'],
  kube_cronjob_created: ['cronjob'],
  // Prometheus's own per-target series.
  up: [],
};

/** Series name → the label names it may carry (target labels excluded). */
export type SeriesCatalogue = ReadonlyMap<string, ReadonlySet<string>>;

interface RegisteredMetric {
  readonly name: string;
  readonly type: string;
  readonly labelNames?: readonly string[];
}

/** The series each service exports, and {@link EXTERNAL_SERIES}, as one catalogue. */
export function exportedSeries(): SeriesCatalogue {
  const catalogue = new Map<string, Set<string>>();
  const add = (name: string, labels: readonly string[]) =>
    catalogue.set(name, new Set([...(catalogue.get(name) ?? []), ...labels]));
  const auth = new AuthMetrics();
  // registered by the auth processes at start (create-deps.ts), as here
  auth.followCleanupRuns(() => Promise.resolve({ latest: null, latestOk: null }));
  for (const registry of [auth.registry, new ApiMetrics().registry]) {
    for (const metric of registry.getMetricsAsArray() as unknown as RegisteredMetric[]) {
      const labels = metric.labelNames ?? [];
      if (metric.type === 'histogram') {
        add(`${metric.name}_bucket`, [...labels, 'le']);
        add(`${metric.name}_sum`, labels);
        add(`${metric.name}_count`, labels);
      } else if (metric.type === 'summary') {
        add(metric.name, [...labels, 'quantile']);
        add(`${metric.name}_sum`, labels);
        add(`${metric.name}_count`, labels);
      } else {
        add(metric.name, labels);
      }
    }
  }
  for (const [name, labels] of Object.entries(EXTERNAL_SERIES)) add(name, labels);
  return catalogue;
}
