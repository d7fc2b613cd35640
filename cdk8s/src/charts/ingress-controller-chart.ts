import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  type INetworkPolicySpec,
  IngressClass,
  NetworkPolicy,
} from 'kubernetes-models/networking.k8s.io/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Namespace } from 'kubernetes-models/v1';
import {
  POD_DISCOVERY_ROLE,
  POD_DISCOVERY_RULES,
  PROMETHEUS_NAME,
} from '../constructs/dev-prometheus.js';
import {
  INGRESS_CONTROLLER_COMPONENT,
  TRAEFIK_METRICS_PORT,
  TRAEFIK_NAME,
  TRAEFIK_REPOSITORY,
  TRAEFIK_TAG,
  TRAEFIK_WEB_PORT,
  TRAEFIK_WEBSECURE_PORT,
  TraefikIngressController,
} from '../constructs/traefik-ingress-controller.js';
import type { EnvironmentConfig, IngressControllerSizing } from '../environments.js';
import { addClusterModel, addModel } from '../lib/add-model.js';
import type { ImageNaming } from '../lib/image-naming.js';
import { selectorLabels } from '../lib/labels.js';
import { operatorPrometheus } from '../lib/operator-prometheus.js';
import { restrictedNamespaceLabels } from '../lib/pod-security-labels.js';
import {
  INGRESS_CLASS,
  INGRESS_NGINX_CONTROLLER,
  LABEL_NAME,
  LABEL_NAMESPACE_NAME,
  LABEL_PART_OF,
  NAMESPACE,
  TRAEFIK_NAMESPACE,
} from '../names.js';

/** Props of {@link IngressControllerChart}. */
export interface IngressControllerChartProps {
  readonly env: EnvironmentConfig;
  /** The Traefik settings of the environment's {@link EnvironmentConfig.edge}. */
  readonly sizing: IngressControllerSizing;
  /** Names the Traefik image: fully qualified, and pinned where the release settings say so. */
  readonly images: ImageNaming;
}

/**
 * The edge of a cluster without ingress-nginx (`ingress-controller.k8s.yaml`): Traefik serving
 * our unchanged `nginx` Ingresses through its Kubernetes Ingress NGINX provider.
 *
 * - Namespace `traefik` under Pod Security "restricted";
 * - IngressClass `nginx` with ingress-nginx's controller name: the provider serves an Ingress
 *   that names a class only when an IngressClass of that name has that controller;
 * - the controller itself ({@link TraefikIngressController});
 * - NetworkPolicies of the namespace: deny by default, the web (and websecure) port from
 *   anywhere, the metrics port from the dev Prometheus and the operator's Prometheus
 *   (`monitoring.namespaceLabels`); the ping port is the kubelet's (probes bypass the policies);
 * - when the environment runs the dev Prometheus, a Role letting it discover the Traefik pods.
 *
 * The shardgate side (auth and api admitting Traefik) is in the network-policies chart.
 */
export class IngressControllerChart extends Chart {
  constructor(scope: Construct, id: string, props: IngressControllerChartProps) {
    super(scope, id, { namespace: TRAEFIK_NAMESPACE, disableResourceNameHashes: true });
    const labels = { [LABEL_PART_OF]: 'shardgate' };

    addClusterModel(
      this,
      new Namespace({
        metadata: {
          name: TRAEFIK_NAMESPACE,
          labels: { ...labels, ...restrictedNamespaceLabels() },
        },
      }),
    );
    // Not the default class: Ingresses without a class stay unserved, as with ingress-nginx.
    addClusterModel(
      this,
      new IngressClass({
        metadata: { name: INGRESS_CLASS, labels },
        spec: { controller: INGRESS_NGINX_CONTROLLER },
      }),
    );
    // HTTPS exactly when the Ingresses carry a `tls` section (ingress-chart.ts: host and Secret).
    const tls = props.env.host !== undefined && props.env.tlsSecretName !== undefined;
    const pinned = props.images.thirdParty(TRAEFIK_REPOSITORY, TRAEFIK_TAG);
    new TraefikIngressController(this, TRAEFIK_NAME, {
      image: `${pinned.repository}:${TRAEFIK_TAG}${pinned.digest ? `@${pinned.digest}` : ''}`,
      replicas: props.sizing.replicas,
      resources: props.sizing.resources,
      watchNamespace: NAMESPACE,
      tls,
      exposure: props.sizing.exposure,
    });

    const traefikPods = {
      matchLabels: selectorLabels(TRAEFIK_NAME, INGRESS_CONTROLLER_COMPONENT),
    };
    const policy = (name: string, spec: INetworkPolicySpec) =>
      addModel(this, new NetworkPolicy({ metadata: { name, labels }, spec }));
    policy('default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
    policy('traefik-web', {
      podSelector: traefikPods,
      policyTypes: ['Ingress'],
      // No `from`: the edge takes connections from anywhere.
      ingress: [
        {
          ports: [TRAEFIK_WEB_PORT, ...(tls ? [TRAEFIK_WEBSECURE_PORT] : [])].map((port) => ({
            protocol: 'TCP',
            port,
          })),
        },
      ],
    });
    policy('metrics-from-prometheus', {
      podSelector: traefikPods,
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { [LABEL_NAMESPACE_NAME]: NAMESPACE } },
              podSelector: { matchLabels: { [LABEL_NAME]: PROMETHEUS_NAME } },
            },
            ...operatorPrometheus(props.env.monitoring),
          ],
          ports: [{ protocol: 'TCP', port: TRAEFIK_METRICS_PORT }],
        },
      ],
    });

    if (props.env.prometheus) {
      addModel(
        this,
        new Role({ metadata: { name: POD_DISCOVERY_ROLE, labels }, rules: POD_DISCOVERY_RULES }),
      );
      addModel(
        this,
        new RoleBinding({
          metadata: { name: POD_DISCOVERY_ROLE, labels },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'Role',
            name: POD_DISCOVERY_ROLE,
          },
          subjects: [{ kind: 'ServiceAccount', name: PROMETHEUS_NAME, namespace: NAMESPACE }],
        }),
      );
    }
  }
}
