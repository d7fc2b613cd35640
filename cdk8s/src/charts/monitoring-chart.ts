import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { SERVER_COMPONENT } from '../constructs/service-workload.js';
import {
  INGRESS_CONTROLLER_COMPONENT,
  TRAEFIK_NAME,
} from '../constructs/traefik-ingress-controller.js';
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
  /**
   * Also a PodMonitor `traefik` for the pods of `ingress-controller.k8s.yaml` in this namespace
   * (the gateway's metrics port, `metrics`).
   * @default none: the environment runs no Traefik of its own
   */
  readonly traefikNamespace?: string;
}

/** Component label of the monitoring objects. */
export const MONITORING_COMPONENT = 'monitoring';

/** Name of the PrometheusRule. */
export const PROMETHEUS_RULE_NAME = 'shardgate';

/**
 * `monitoring.k8s.yaml`, for clusters with the Prometheus Operator: a PodMonitor per service (and
 * one for Traefik where the environment runs it) and the PrometheusRule of the alerts; the same objects as charts/shardgate-monitoring renders, from
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
    const podMonitor = (
      name: string,
      matchLabels: Record<string, string>,
      namespace?: string,
    ): PodMonitor => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name, labels: { ...objectLabels(name, MONITORING_COMPONENT), ...extra } },
      spec: {
        jobLabel: LABEL_NAME,
        ...(namespace ? { namespaceSelector: { matchNames: [namespace] } } : {}),
        selector: { matchLabels },
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
    });
    for (const service of props.services) {
      addCustomObject(this, podMonitor(service, selectorLabels(service, SERVER_COMPONENT)));
    }
    // Traefik's own namespace holds no monitoring objects: this one, here, names it. Its port is
    // also called `metrics` and serves /metrics (traefik-ingress-controller.ts).
    if (props.traefikNamespace) {
      const traefik = selectorLabels(TRAEFIK_NAME, INGRESS_CONTROLLER_COMPONENT);
      addCustomObject(this, podMonitor(TRAEFIK_NAME, traefik, props.traefikNamespace));
    }
    const rule: PrometheusRule = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: PROMETHEUS_RULE_NAME,
        labels: { ...objectLabels(PROMETHEUS_RULE_NAME, MONITORING_COMPONENT), ...extra },
      },
      spec: {
        groups: alertRuleGroups(
          props.settings.runbookBaseUrl ?? defaults.runbookBaseUrl,
          NAMESPACE,
        ),
      },
    };
    addCustomObject(this, rule);
  }
}
