import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { SERVER_COMPONENT } from '../constructs/service-workload.js';
import type { MonitoringSettings } from '../environments.js';
import { addCustomObject } from '../lib/add-model.js';
import { alertRuleGroups, monitoringChartDefaults } from '../lib/alert-rules.js';
import { objectLabels, selectorLabels } from '../lib/labels.js';
import type { PodMonitor, PrometheusRule } from '../lib/prometheus-operator-types.js';
import {
  LABEL_NAME,
  METRICS_PATH,
  METRICS_PORT_NAME,
  NAMESPACE,
  type ServiceName,
} from '../names.js';

/** Props of {@link MonitoringChart}. */
export interface MonitoringChartProps {
  readonly settings: MonitoringSettings;
  /** The services scraped, one PodMonitor each. */
  readonly services: readonly ServiceName[];
}

/** Component label of the monitoring objects. */
export const MONITORING_COMPONENT = 'monitoring';

/** Name of the PrometheusRule. */
export const PROMETHEUS_RULE_NAME = 'shardgate';

/**
 * `monitoring.k8s.yaml`, for clusters with the Prometheus Operator: a PodMonitor per service and
 * the PrometheusRule of the alerts; the same objects as charts/shardgate-monitoring renders, from
 * the same rules file and defaults.
 *
 * PodMonitors, not ServiceMonitors: the services' Services expose only `http`, so that nothing can
 * route to /metrics. Each sets `service` from the pods' name label, as the dev Prometheus does,
 * so the alerts and the dashboard read the same labels under either Prometheus.
 */
export class MonitoringChart extends Chart {
  constructor(scope: Construct, id: string, props: MonitoringChartProps) {
    super(scope, id, { namespace: NAMESPACE });
    const defaults = monitoringChartDefaults();
    const extra = props.settings.resourceLabels ?? {};
    for (const service of props.services) {
      const monitor: PodMonitor = {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: {
          name: service,
          labels: { ...objectLabels(service, MONITORING_COMPONENT), ...extra },
        },
        spec: {
          jobLabel: LABEL_NAME,
          selector: { matchLabels: selectorLabels(service, SERVER_COMPONENT) },
          podMetricsEndpoints: [
            {
              port: METRICS_PORT_NAME,
              path: METRICS_PATH,
              interval: defaults.scrapeInterval,
              relabelings: [
                {
                  sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'],
                  targetLabel: 'service',
                },
              ],
            },
          ],
        },
      };
      addCustomObject(this, monitor);
    }
    const rule: PrometheusRule = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: PROMETHEUS_RULE_NAME,
        labels: { ...objectLabels(PROMETHEUS_RULE_NAME, MONITORING_COMPONENT), ...extra },
      },
      spec: {
        groups: alertRuleGroups(props.settings.runbookBaseUrl ?? defaults.runbookBaseUrl),
      },
    };
    addCustomObject(this, rule);
  }
}
