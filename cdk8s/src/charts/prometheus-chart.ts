import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { DevPrometheus } from '../constructs/dev-prometheus.js';
import { NAMESPACE } from '../names.js';

/** Props of {@link PrometheusChart}. */
export interface PrometheusChartProps {
  /**
   * Namespaces scraped besides `shardgate` (each must grant Prometheus pod discovery).
   * @default none
   */
  readonly alsoScrape?: readonly string[];
}

/** The dev environment's Prometheus (`prometheus.k8s.yaml`; no such file in prod). */
export class PrometheusChart extends Chart {
  constructor(scope: Construct, id: string, props: PrometheusChartProps = {}) {
    super(scope, id, { namespace: NAMESPACE });
    new DevPrometheus(this, 'prometheus', {
      scrapeNamespaces: [NAMESPACE, ...(props.alsoScrape ?? [])],
    });
  }
}
