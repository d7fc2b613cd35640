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
    /** Where the pods are. @default the PodMonitor's own namespace */
    readonly namespaceSelector?: { readonly matchNames: readonly string[] };
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

/** A label selector as the operator's CRDs take it. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
}

/**
 * `Prometheus`: the operator runs a StatefulSet `prometheus-<name>` of it, configured from the
 * PodMonitors and PrometheusRules its selectors match. Only the fields the app sets.
 */
export interface Prometheus {
  readonly apiVersion: 'monitoring.coreos.com/v1';
  readonly kind: 'Prometheus';
  readonly metadata: ObjectMeta;
  readonly spec: {
    /** The Prometheus release the image holds: the operator picks its flags by it. */
    readonly version: string;
    readonly image: string;
    readonly replicas: number;
    readonly serviceAccountName: string;
    readonly podMonitorSelector: LabelSelector;
    readonly podMonitorNamespaceSelector: LabelSelector;
    readonly ruleSelector: LabelSelector;
    readonly ruleNamespaceSelector: LabelSelector;
    readonly scrapeInterval: string;
    readonly evaluationInterval: string;
    readonly retention: string;
    readonly resources: Readonly<Record<string, Readonly<Record<string, string>>>>;
    readonly securityContext: Readonly<Record<string, unknown>>;
    readonly automountServiceAccountToken?: boolean;
  };
}
