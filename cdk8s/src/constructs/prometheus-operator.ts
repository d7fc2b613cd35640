import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Deployment } from 'kubernetes-models/apps/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
  type IPolicyRule,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import type { IResourceRequirements } from 'kubernetes-models/v1';
import { ServiceAccount } from 'kubernetes-models/v1';
import { addClusterModel, addModel } from '../lib/add-model.js';
import { addDeploymentFront } from '../lib/deployment-front.js';
import { objectLabels, selectorLabels } from '../lib/labels.js';
import { restricted, restrictedPodSecurityContext } from '../lib/restricted-security.js';

/** Props of {@link PrometheusOperator}. */
export interface PrometheusOperatorProps {
  /** The operator's image, pinned. */
  readonly image: string;
  /** The config reloader the operator puts into each Prometheus pod, pinned. */
  readonly configReloaderImage: string;
  /**
   * Namespaces whose PodMonitors, ServiceMonitors, Probes and PrometheusRules it reads. Its own
   * namespace (the chart's) holds the Prometheus objects and is the only one it writes to.
   */
  readonly watchNamespaces: readonly string[];
  /**
   * Requests and limits of the operator container.
   * @default 50m / 64Mi requested, 200m / 128Mi at most
   */
  readonly resources?: IResourceRequirements;
}

/** Name of the operator's objects and `app.kubernetes.io/name` of its pod. */
export const PROMETHEUS_OPERATOR_NAME = 'prometheus-operator';

/** `app.kubernetes.io/component` of the operator's objects. */
export const PROMETHEUS_OPERATOR_COMPONENT = 'controller';

/** The operator's web port (`--web.listen-address`, its default): /healthz and /metrics. */
const OPERATOR_PORT = 8080;

/** The nobody user of upstream's image, which the stand-in keeps. */
const OPERATOR_UID = 65534;

const READ = ['get', 'list', 'watch'];
const WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/**
 * What the operator reads in a watched namespace: the objects its Prometheus controller builds
 * the scrape configuration and the rule files from (an informer per kind, whether or not any
 * object exists). No Secrets or ConfigMaps there: it reads those only in its own namespace
 * (upstream `pkg/prometheus/server/operator.go`, unless `--watch-referenced-objects-in-all-namespaces`).
 */
export const WATCHED_RULES: readonly IPolicyRule[] = [
  {
    apiGroups: ['monitoring.coreos.com'],
    resources: ['podmonitors', 'servicemonitors', 'probes', 'prometheusrules'],
    verbs: READ,
  },
];

/**
 * What it does in its own namespace: reconciles the Prometheus objects into a StatefulSet, its
 * governing Service `prometheus-operated`, the configuration and TLS Secrets and the rule
 * ConfigMaps, and deletes pods of a StatefulSet it must roll.
 */
export const OWN_NAMESPACE_RULES: readonly IPolicyRule[] = [
  {
    apiGroups: ['monitoring.coreos.com'],
    resources: ['prometheuses', 'prometheuses/status', 'prometheuses/finalizers'],
    verbs: WRITE,
  },
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: WRITE },
  { apiGroups: [''], resources: ['configmaps', 'secrets', 'services'], verbs: WRITE },
  { apiGroups: [''], resources: ['endpoints'], verbs: WRITE },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] },
];

/**
 * The Prometheus Operator (`operator` of github.com/prometheus-operator/prometheus-operator) in the
 * chart's namespace, managing the Prometheus objects of that namespace only, with least privilege:
 *
 * - `--prometheus-instance-namespaces` (and the Alertmanager and ThanosRuler equivalents) is its
 *   own namespace, `--namespaces` the watched ones: with both set it lists nothing cluster-wide;
 * - a Role in its own namespace for what it writes ({@link OWN_NAMESPACE_RULES});
 * - a ClusterRole, bound cluster-wide, with reads of the monitoring objects
 *   ({@link WATCHED_RULES}; it lists them only in the watched namespaces) and `get` of exactly its
 *   namespaces, which it checks exist instead of listing them all;
 * - no Alertmanager, ThanosRuler, PrometheusAgent or ScrapeConfig permissions: it checks its
 *   permissions at start and leaves those controllers off (a warning each), as it does without
 *   Events permissions (it then records no Events).
 *
 * No admission webhook, no kubelet Service (`--kubelet-service` unset).
 */
export class PrometheusOperator extends Construct {
  constructor(scope: Construct, id: string, props: PrometheusOperatorProps) {
    super(scope, id);
    const namespace = Chart.of(this).namespace;
    if (!namespace) throw new Error('PrometheusOperator: its chart must set a namespace');
    if (props.watchNamespaces.length === 0) {
      throw new Error('PrometheusOperator: watchNamespaces must name at least one namespace');
    }
    for (const image of [props.image, props.configReloaderImage]) {
      if (!/:v?\d[^:/@]*$/.test(image)) {
        throw new Error(`PrometheusOperator: images must carry a pinned version tag, got ${image}`);
      }
    }
    const name = PROMETHEUS_OPERATOR_NAME;
    const labels = objectLabels(name, PROMETHEUS_OPERATOR_COMPONENT);
    const subjects = [{ kind: 'ServiceAccount', name, namespace }];
    const roleRef = (kind: 'ClusterRole' | 'Role') => ({
      apiGroup: 'rbac.authorization.k8s.io',
      kind,
      name,
    });

    addModel(
      this,
      new ServiceAccount({ metadata: { name, labels }, automountServiceAccountToken: false }),
    );
    addModel(this, new Role({ metadata: { name, labels }, rules: [...OWN_NAMESPACE_RULES] }));
    addModel(
      this,
      new RoleBinding({ metadata: { name, labels }, roleRef: roleRef('Role'), subjects }),
    );
    // Cluster-scoped names are shared by every namespace: ours carry the namespace.
    const clusterName = `${namespace}-${name}`;
    addClusterModel(
      this,
      new ClusterRole({
        metadata: { name: clusterName, labels },
        rules: [
          ...WATCHED_RULES,
          {
            apiGroups: [''],
            resources: ['namespaces'],
            resourceNames: [namespace, ...props.watchNamespaces],
            verbs: ['get'],
          },
        ],
      }),
    );
    addClusterModel(
      this,
      new ClusterRoleBinding({
        metadata: { name: clusterName, labels },
        roleRef: { ...roleRef('ClusterRole'), name: clusterName },
        subjects,
      }),
    );

    const watched = props.watchNamespaces.join(',');
    const selector = selectorLabels(name, PROMETHEUS_OPERATOR_COMPONENT);
    addModel(
      this,
      new Deployment({
        metadata: { name, labels },
        spec: {
          replicas: 1,
          revisionHistoryLimit: 5,
          selector: { matchLabels: selector },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: name,
              // the one pod of the add-on that talks to the API server with its own identity
              automountServiceAccountToken: true,
              securityContext: restrictedPodSecurityContext(OPERATOR_UID),
              containers: [
                restricted(
                  {
                    name,
                    image: props.image,
                    args: [
                      `--prometheus-config-reloader=${props.configReloaderImage}`,
                      `--namespaces=${watched}`,
                      `--prometheus-instance-namespaces=${namespace}`,
                      `--alertmanager-instance-namespaces=${namespace}`,
                      `--thanos-ruler-instance-namespaces=${namespace}`,
                      '--log-format=json',
                    ],
                    ports: [{ name: 'http', containerPort: OPERATOR_PORT, protocol: 'TCP' }],
                    resources: props.resources ?? {
                      requests: { cpu: '50m', memory: '64Mi' },
                      limits: { cpu: '200m', memory: '128Mi' },
                    },
                    // upstream's probe: /healthz on its web port
                    readinessProbe: {
                      httpGet: { path: '/healthz', port: 'http' },
                      periodSeconds: 10,
                    },
                  },
                  OPERATOR_UID,
                ),
              ],
            },
          },
        },
      }),
    );
    // As every Deployment of the app: a Service (the operator's own /metrics, as upstream's) and a
    // PodDisruptionBudget. The namespace's NetworkPolicy admits no client to it.
    addDeploymentFront(this, { name, labels, selector, port: OPERATOR_PORT });
  }
}
