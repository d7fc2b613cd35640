import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Namespace, ServiceAccount } from 'kubernetes-models/v1';
import {
  POD_DISCOVERY_RULES,
  PROMETHEUS_IMAGE,
  PROMETHEUS_NAME,
  PROMETHEUS_UID,
} from '../constructs/dev-prometheus.js';
import { PrometheusOperator } from '../constructs/prometheus-operator.js';
import type { MonitoringSettings } from '../environments.js';
import { addClusterModel, addCustomObject, addModel } from '../lib/add-model.js';
import { monitoringChartDefaults } from '../lib/alert-rules.js';
import { objectLabels } from '../lib/labels.js';
import { restrictedNamespaceLabels } from '../lib/pod-security-labels.js';
import type { Prometheus } from '../lib/prometheus-operator-types.js';
import { restrictedPodSecurityContext } from '../lib/restricted-security.js';
import {
  LABEL_NAMESPACE_NAME,
  LABEL_PART_OF,
  NAMESPACE,
  PROMETHEUS_OPERATOR_VERSION,
} from '../names.js';

/** Props of {@link PrometheusOperatorChart}. */
export interface PrometheusOperatorChartProps {
  /** The environment's monitoring settings: `runOperator` on, the namespace named by its labels. */
  readonly settings: MonitoringSettings;
}

/** Name of the `Prometheus` object; the operator names its StatefulSet `prometheus-<name>`. */
export const OPERATOR_PROMETHEUS_NAME = 'shardgate';

/** The ServiceAccount of the operator's Prometheus pods. */
export const OPERATOR_PROMETHEUS_SERVICE_ACCOUNT = `${PROMETHEUS_NAME}-${OPERATOR_PROMETHEUS_NAME}`;

/** Upstream's image names; the local cluster builds stand-ins under them. */
const OPERATOR_IMAGE = `quay.io/prometheus-operator/prometheus-operator:${PROMETHEUS_OPERATOR_VERSION}`;
const RELOADER_IMAGE = `quay.io/prometheus-operator/prometheus-config-reloader:${PROMETHEUS_OPERATOR_VERSION}`;

/**
 * The namespace `monitoring.namespaceLabels` names with `kubernetes.io/metadata.name`.
 * @throws Error when the operator is to run but the settings do not allow it
 */
export function operatorNamespace(settings: MonitoringSettings): string {
  if (!settings.prometheusOperator) {
    throw new Error(
      'monitoring.runOperator needs monitoring.prometheusOperator: it selects those objects',
    );
  }
  const namespace = settings.namespaceLabels?.[LABEL_NAMESPACE_NAME];
  if (!namespace) {
    throw new Error(
      `monitoring.runOperator needs monitoring.namespaceLabels with ${LABEL_NAMESPACE_NAME}: the operator runs in that namespace`,
    );
  }
  return namespace;
}

/**
 * `prometheus-operator.k8s.yaml`: the Prometheus Operator and one Prometheus in the monitoring
 * namespace, for a cluster that has no kube-prometheus-stack (the local cluster), so that the
 * objects of `monitoring.k8s.yaml` are read by the real operator:
 *
 * - the Namespace, labelled as `monitoring.namespaceLabels` says (the NetworkPolicies of
 *   `shardgate` and `traefik` admit its Prometheus to the metrics ports), Pod Security
 *   "restricted", no ingress from anywhere (port-forwards and probes do not need it);
 * - the operator ({@link PrometheusOperator}), watching `shardgate`;
 * - a `Prometheus` running the dev Prometheus image and selecting the PodMonitors and
 *   PrometheusRules of the app (`app.kubernetes.io/part-of: shardgate`) in `shardgate`, with a
 *   ServiceAccount that may read pods and nothing else.
 *
 * The CRDs are not here: they come from the operator's Go module (deploy step
 * `prometheus-operator-crds`), and are too large for a client-side apply.
 */
export class PrometheusOperatorChart extends Chart {
  constructor(scope: Construct, id: string, props: PrometheusOperatorChartProps) {
    const namespace = operatorNamespace(props.settings);
    super(scope, id, { namespace, disableResourceNameHashes: true });
    const partOf = { [LABEL_PART_OF]: 'shardgate' };
    addClusterModel(
      this,
      new Namespace({
        metadata: {
          name: namespace,
          labels: { ...props.settings.namespaceLabels, ...partOf, ...restrictedNamespaceLabels() },
        },
      }),
    );
    addModel(
      this,
      new NetworkPolicy({
        metadata: { name: 'default-deny-ingress', labels: partOf },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      }),
    );
    new PrometheusOperator(this, 'operator', {
      image: OPERATOR_IMAGE,
      configReloaderImage: RELOADER_IMAGE,
      watchNamespaces: [NAMESPACE],
    });

    const account = OPERATOR_PROMETHEUS_SERVICE_ACCOUNT;
    const labels = objectLabels(account, 'prometheus');
    addModel(
      this,
      new ServiceAccount({
        metadata: { name: account, labels },
        automountServiceAccountToken: false,
      }),
    );
    // Pods, cluster-wide: a ClusterRoleBinding keeps the whole add-on in its own namespace (no
    // RoleBinding in `shardgate` or `traefik`); the scrape configuration lists only the
    // namespaces the PodMonitors name. docs/decisions.md.
    const clusterName = `${namespace}-${account}`;
    addClusterModel(
      this,
      new ClusterRole({ metadata: { name: clusterName, labels }, rules: POD_DISCOVERY_RULES }),
    );
    addClusterModel(
      this,
      new ClusterRoleBinding({
        metadata: { name: clusterName, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
        subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
      }),
    );

    const defaults = monitoringChartDefaults();
    const version = PROMETHEUS_IMAGE.slice(PROMETHEUS_IMAGE.lastIndexOf(':') + 1);
    const ours = { matchLabels: partOf };
    const inShardgate = { matchLabels: { [LABEL_NAMESPACE_NAME]: NAMESPACE } };
    const prometheus: Prometheus = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Prometheus',
      metadata: {
        name: OPERATOR_PROMETHEUS_NAME,
        labels: objectLabels(PROMETHEUS_NAME, 'prometheus'),
      },
      spec: {
        version,
        image: PROMETHEUS_IMAGE,
        replicas: 1,
        serviceAccountName: account,
        // the pods read the API server (pod discovery) with this account's token
        automountServiceAccountToken: true,
        podMonitorSelector: ours,
        podMonitorNamespaceSelector: inShardgate,
        ruleSelector: ours,
        ruleNamespaceSelector: inShardgate,
        scrapeInterval: defaults.scrapeInterval,
        evaluationInterval: defaults.scrapeInterval,
        retention: '1d',
        resources: {
          requests: { cpu: '50m', memory: '128Mi' },
          limits: { cpu: '500m', memory: '512Mi' },
        },
        securityContext: { ...restrictedPodSecurityContext(PROMETHEUS_UID) },
      },
    };
    addCustomObject(this, prometheus);
  }
}
