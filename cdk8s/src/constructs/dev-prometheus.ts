import { Construct } from 'constructs';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, ServiceAccount } from 'kubernetes-models/v1';
import { stringify } from 'yaml';
import { addModel } from '../lib/add-model.js';
import { addDeploymentFront } from '../lib/deployment-front.js';
import { objectLabels, selectorLabels } from '../lib/labels.js';
import { restricted, restrictedPodSecurityContext } from '../lib/restricted-security.js';
import { NAMESPACE } from '../names.js';

/** Props of {@link DevPrometheus}. */
export interface DevPrometheusProps {
  /**
   * Pinned Prometheus image.
   * @default 'quay.io/prometheus/prometheus:v2.55.1'
   */
  readonly image?: string;
  /**
   * How long samples are kept (an emptyDir: they are lost with the pod anyway).
   * @default '1d'
   */
  readonly retention?: string;
  /**
   * Namespaces whose annotated pods are scraped. Prometheus may read pods of its own namespace;
   * each other namespace must grant it {@link POD_DISCOVERY_RULES} (a Role named
   * {@link POD_DISCOVERY_ROLE} bound to its ServiceAccount), as the ingress-controller chart does.
   * @default ['shardgate']
   */
  readonly scrapeNamespaces?: readonly string[];
}

/** Name of the Prometheus objects and `app.kubernetes.io/name` of its pod. */
export const PROMETHEUS_NAME = 'prometheus';

/** Port of the Prometheus UI and API (`kubectl port-forward svc/prometheus 9090`). */
export const PROMETHEUS_PORT = 9090;

/** Name of the Role (and RoleBinding) that lets Prometheus discover the pods of a namespace. */
export const POD_DISCOVERY_ROLE = `${PROMETHEUS_NAME}-pod-discovery`;

/** What pod discovery reads: pods, nothing else. */
export const POD_DISCOVERY_RULES = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
];

/** The Prometheus image of dev, pinned: the one the local cluster builds a stand-in of. */
export const PROMETHEUS_IMAGE = 'quay.io/prometheus/prometheus:v2.55.1';

/** The nobody user the Prometheus image runs as. */
export const PROMETHEUS_UID = 65534;

/**
 * The scrape configuration: pods of the namespace that carry `prometheus.io/scrape: "true"`,
 * scraped on their `metrics` port at `prometheus.io/path`. The annotations are what any
 * annotation-driven Prometheus in another cluster would follow too.
 */
export function prometheusConfig(
  namespaces: readonly string[] = [NAMESPACE],
): Record<string, unknown> {
  return {
    global: { scrape_interval: '15s', evaluation_interval: '15s' },
    scrape_configs: [
      {
        job_name: 'shardgate-pods',
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [...namespaces] } }],
        relabel_configs: [
          {
            source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'],
            action: 'keep',
            regex: 'true',
          },
          // role: pod yields one target per container port; keep the metrics port only.
          {
            source_labels: ['__meta_kubernetes_pod_container_port_name'],
            action: 'keep',
            regex: 'metrics',
          },
          {
            source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'],
            action: 'replace',
            regex: '(.+)',
            target_label: '__metrics_path__',
          },
          {
            source_labels: [
              '__meta_kubernetes_pod_ip',
              '__meta_kubernetes_pod_annotation_prometheus_io_port',
            ],
            action: 'replace',
            regex: '(.+);(\\d+)',
            replacement: '$1:$2',
            target_label: '__address__',
          },
          {
            source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'],
            target_label: 'service',
          },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
        ],
      },
    ],
  };
}

/**
 * An operator-free Prometheus for the dev environment: one replica, in-memory retention, pod
 * discovery through a Role that can only get/list/watch pods of this namespace, and a
 * PodDisruptionBudget like every Deployment's (`maxUnavailable: 1`, so a node drain can still
 * evict the single replica).
 *
 * Its pod is the one pod that mounts a ServiceAccount token (Prometheus's Kubernetes discovery
 * reads it); the ServiceAccount itself keeps automount off, so nothing else using it gets one.
 */
export class DevPrometheus extends Construct {
  constructor(scope: Construct, id: string, props: DevPrometheusProps = {}) {
    super(scope, id);
    const name = PROMETHEUS_NAME;
    const image = props.image ?? PROMETHEUS_IMAGE;
    if (!/:[^:/@]+$/.test(image) || image.endsWith(':latest')) {
      throw new Error(`DevPrometheus: image must carry a pinned tag, got ${image}`);
    }
    const labels = objectLabels(name, 'monitoring');
    const selector = selectorLabels(name, 'monitoring');

    addModel(
      this,
      new ServiceAccount({ metadata: { name, labels }, automountServiceAccountToken: false }),
    );
    addModel(
      this,
      new Role({
        metadata: { name: POD_DISCOVERY_ROLE, labels },
        rules: POD_DISCOVERY_RULES,
      }),
    );
    addModel(
      this,
      new RoleBinding({
        metadata: { name: POD_DISCOVERY_ROLE, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: POD_DISCOVERY_ROLE },
        subjects: [{ kind: 'ServiceAccount', name, namespace: NAMESPACE }],
      }),
    );
    addModel(
      this,
      new ConfigMap({
        metadata: { name: `${name}-config`, labels },
        data: { 'prometheus.yml': stringify(prometheusConfig(props.scrapeNamespaces)) },
      }),
    );
    addModel(
      this,
      new Deployment({
        metadata: { name, labels },
        spec: {
          replicas: 1,
          // Recreate: two copies would only scrape everything twice during a rollout.
          strategy: { type: 'Recreate' },
          selector: { matchLabels: selector },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: name,
              automountServiceAccountToken: true,
              securityContext: restrictedPodSecurityContext(PROMETHEUS_UID),
              containers: [
                restricted(
                  {
                    name,
                    image,
                    args: [
                      '--config.file=/etc/prometheus/prometheus.yml',
                      '--storage.tsdb.path=/prometheus',
                      `--storage.tsdb.retention.time=${props.retention ?? '1d'}`,
                    ],
                    ports: [{ name: 'http', containerPort: PROMETHEUS_PORT, protocol: 'TCP' }],
                    resources: {
                      requests: { cpu: '100m', memory: '256Mi' },
                      limits: { cpu: '500m', memory: '512Mi' },
                    },
                    readinessProbe: {
                      httpGet: { path: '/-/ready', port: 'http' },
                      periodSeconds: 5,
                    },
                    livenessProbe: {
                      httpGet: { path: '/-/healthy', port: 'http' },
                      periodSeconds: 10,
                    },
                    volumeMounts: [
                      { name: 'config', mountPath: '/etc/prometheus', readOnly: true },
                      { name: 'data', mountPath: '/prometheus' },
                    ],
                  },
                  PROMETHEUS_UID,
                ),
              ],
              volumes: [
                { name: 'config', configMap: { name: `${name}-config` } },
                { name: 'data', emptyDir: { sizeLimit: '2Gi' } },
              ],
            },
          },
        },
      }),
    );
    addDeploymentFront(this, { name, labels, selector, port: PROMETHEUS_PORT });
  }
}
