/**
 * The subset of the Prometheus Operator's custom resources (monitoring.coreos.com/v1) the app
 * writes. kubernetes-models has no schemas for these CRDs and `cdk8s import` is not used, so these
 * interfaces are what keeps the objects well-formed; field names follow the upstream CRDs.
 * @packageDocumentation
 */
import type { ObjectMeta } from './gateway-api-types.js';

/** `relabelings` entry of a PodMonitor endpoint (a Prometheus `relabel_config`). */
export interface Relabeling {
  readonly sourceLabels: readonly string[];
  readonly targetLabel: string;
}

/** `podMetricsEndpoints` entry: which container port of the selected pods to scrape, and how. */
export interface PodMetricsEndpoint {
  /** Name of the container port. */
  readonly port: string;
  readonly path: string;
  readonly interval: string;
  readonly relabelings?: readonly Relabeling[];
}

/** `PodMonitor`: scrape the pods its selector matches, in its own namespace. */
export interface PodMonitor {
  readonly apiVersion: 'monitoring.coreos.com/v1';
  readonly kind: 'PodMonitor';
  readonly metadata: ObjectMeta;
  readonly spec: {
    /** Pod label whose value becomes the `job` label. */
    readonly jobLabel?: string;
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    readonly podMetricsEndpoints: readonly PodMetricsEndpoint[];
  };
}

/** One alerting rule, as in a Prometheus rules file. */
export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A rule group, as in a Prometheus rules file. */
export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly AlertingRule[];
}

/** `PrometheusRule`: rule groups the operator loads into the Prometheus that selects it. */
export interface PrometheusRule {
  readonly apiVersion: 'monitoring.coreos.com/v1';
  readonly kind: 'PrometheusRule';
  readonly metadata: ObjectMeta;
  readonly spec: { readonly groups: readonly RuleGroup[] };
}
