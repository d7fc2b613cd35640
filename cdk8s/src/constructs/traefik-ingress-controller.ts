import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Deployment } from 'kubernetes-models/apps/v1';
import { type IProbe, type IResourceRequirements, ServiceAccount } from 'kubernetes-models/v1';
import { addModel } from '../lib/add-model.js';
import { addDeploymentFront } from '../lib/deployment-front.js';
import { objectLabels, selectorLabels } from '../lib/labels.js';
import { restricted, restrictedPodSecurityContext } from '../lib/restricted-security.js';
import { INGRESS_CLASS, INGRESS_NGINX_CONTROLLER, NAMESPACE } from '../names.js';
import { TraefikRbac } from './traefik-rbac.js';

/** Props of {@link TraefikIngressController}. */
export interface TraefikIngressControllerProps {
  /**
   * Pinned Traefik image: a tag, optionally followed by `@sha256:` and a digest. The default is
   * the upstream image's name; on machines without a registry, scripts/cluster/images/traefik.ts
   * builds a stand-in under that name.
   * @default `${TRAEFIK_REPOSITORY}:${TRAEFIK_TAG}`
   */
  readonly image?: string;
  /** @default 1 */
  readonly replicas?: number;
  /** @default 100m/64Mi requested, 500m/256Mi limited */
  readonly resources?: IResourceRequirements;
  /**
   * The namespace whose Ingresses Traefik serves. One namespace keeps its Secret reads (which
   * the provider always makes) to that namespace.
   * @default 'shardgate'
   */
  readonly watchNamespace?: string;
  /**
   * Also listen for HTTPS: entrypoint `websecure` (8443, TLS, Service port 443). The provider puts
   * an Ingress with a `tls` section on TLS routers with the certificate of the Secret it names,
   * and adds a router on every non-TLS entrypoint that redirects HTTP to HTTPS (ingress-nginx's
   * `ssl-redirect` default for TLS hosts); without a TLS entrypoint those routes would only be
   * reachable by a TLS handshake on `web`.
   * @default false: `web` only
   */
  readonly tls?: boolean;
  /**
   * `cluster-ip`, or `load-balancer`: Service `type: LoadBalancer` with
   * `externalTrafficPolicy: Local` and replicas spread strictly over nodes (needs 2 or more).
   * @default 'cluster-ip'
   */
  readonly exposure?: 'cluster-ip' | 'load-balancer';
}

/** Repository of the upstream Traefik image, fully qualified. */
export const TRAEFIK_REPOSITORY = 'docker.io/library/traefik';

/** The Traefik release whose Ingress NGINX provider the manifests and docs were checked against. */
export const TRAEFIK_TAG = 'v3.6.12';

/** Name of every Traefik object, and `app.kubernetes.io/name` of its pods. */
export const TRAEFIK_NAME = 'traefik';

/** `app.kubernetes.io/component` of the Traefik pods. */
export const INGRESS_CONTROLLER_COMPONENT = 'ingress-controller';

/** Entrypoint `web`: the traffic port (unprivileged, so no NET_BIND_SERVICE), named `http`. */
export const TRAEFIK_WEB_PORT = 8000;

/** Port of the Service in front of `web` (`kubectl port-forward svc/traefik 8080:80`). */
export const TRAEFIK_SERVICE_PORT = 80;

/** Entrypoint `websecure` (with {@link TraefikIngressControllerProps.tls}): HTTPS, named `https`. */
export const TRAEFIK_WEBSECURE_PORT = 8443;

/** Port of the Service in front of `websecure`. */
export const TRAEFIK_SERVICE_TLS_PORT = 443;

/** Entrypoint `ping`: `/ping` for the kubelet's probes only, never routed. */
export const TRAEFIK_PING_PORT = 8080;

/** Entrypoint `metrics`: Prometheus's `/metrics`, never routed. */
export const TRAEFIK_METRICS_PORT = 9100;

/** The nonroot uid/gid of distroless-style images; the stand-in image declares it too. */
export const TRAEFIK_UID = 65532;

/** The preStop sleep: endpoint removal reaches kube-proxy and clients before Traefik stops. */
const PRE_STOP_SECONDS = 5;

/** Traefik's own drain after SIGTERM (`transport.lifeCycle.graceTimeOut`, its default). */
const GRACE_SECONDS = 10;

/**
 * The static configuration, as flags. `experimental.kubernetesingressnginx` is absent on purpose:
 * the provider left the experimental features in v3.6.2 and v3.6.12 logs an error for the flag.
 */
function traefikArgs(watchNamespace: string, tls: boolean): string[] {
  const provider = '--providers.kubernetesingressnginx';
  const websecure = '--entrypoints.websecure';
  return [
    // No calls home: nothing outside the cluster is reachable, and nothing should be tried.
    '--global.checknewversion=false',
    '--global.sendanonymoususage=false',
    '--log.level=INFO',
    // JSON access log; request headers (Authorization, Cookie) are dropped by default.
    '--accesslog=true',
    '--accesslog.format=json',
    `--entrypoints.web.address=:${TRAEFIK_WEB_PORT}`,
    // Routers without entrypoints (all the provider makes) attach to every entrypoint unless
    // one is flagged default: without this the Ingress routes also answer on ping and metrics.
    '--entrypoints.web.asdefault=true',
    `--entrypoints.web.transport.lifecycle.gracetimeout=${GRACE_SECONDS}s`,
    // The provider's TLS routers name no entrypoint either, so websecure is a default too.
    // `http.tls` makes it a TLS entrypoint: the provider attaches its HTTP→HTTPS redirect routers
    // to every entrypoint without it (v3.6.12: web, and ping and metrics too, where they only
    // redirect and the NetworkPolicies keep clients off those ports).
    ...(tls
      ? [
          `${websecure}.address=:${TRAEFIK_WEBSECURE_PORT}`,
          `${websecure}.asdefault=true`,
          `${websecure}.http.tls=true`,
          `${websecure}.transport.lifecycle.gracetimeout=${GRACE_SECONDS}s`,
        ]
      : []),
    `--entrypoints.ping.address=:${TRAEFIK_PING_PORT}`,
    `--entrypoints.metrics.address=:${TRAEFIK_METRICS_PORT}`,
    '--ping=true',
    '--ping.entrypoint=ping',
    // While terminating /ping fails, so readiness drops the pod even before the preStop ends.
    '--ping.terminatingstatuscode=503',
    '--metrics.prometheus=true',
    '--metrics.prometheus.entrypoint=metrics',
    // Per-router series: one router per Ingress path, so requests can be told apart by route.
    '--metrics.prometheus.addrouterslabels=true',
    // In-cluster client (the pod's ServiceAccount token); one namespace, our class only.
    `${provider}=true`,
    `${provider}.watchnamespace=${watchNamespace}`,
    `${provider}.ingressclass=${INGRESS_CLASS}`,
    `${provider}.controllerclass=${INGRESS_NGINX_CONTROLLER}`,
  ];
}

/**
 * Traefik as the cluster's ingress controller for ingress-nginx Ingresses (its Kubernetes Ingress
 * NGINX provider, Traefik's migration path off the retired ingress-nginx): ServiceAccount, the
 * provider's RBAC ({@link TraefikRbac}), Deployment, Service `traefik:80` (and `:443` with TLS;
 * ClusterIP or LoadBalancer) and PodDisruptionBudget, in the chart's namespace.
 *
 * The pod is the second one of the app that mounts a ServiceAccount token (the provider watches
 * the API server with it); the ServiceAccount itself keeps automount off.
 */
export class TraefikIngressController extends Construct {
  constructor(scope: Construct, id: string, props: TraefikIngressControllerProps = {}) {
    super(scope, id);
    const name = TRAEFIK_NAME;
    const image = props.image ?? `${TRAEFIK_REPOSITORY}:${TRAEFIK_TAG}`;
    if (!/:[^:/@]+(@sha256:[0-9a-f]{64})?$/.test(image) || /:latest(@|$)/.test(image)) {
      throw new Error(`TraefikIngressController: image must carry a pinned tag, got ${image}`);
    }
    const replicas = props.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new Error(
        `TraefikIngressController: replicas must be a positive integer, got ${replicas}`,
      );
    }
    const tls = props.tls ?? false;
    const loadBalancer = (props.exposure ?? 'cluster-ip') === 'load-balancer';
    // Behind `externalTrafficPolicy: Local` only nodes running a replica take traffic: one replica
    // would make every drain or rollout of its node an outage.
    if (loadBalancer && replicas < 2) {
      throw new Error(
        `TraefikIngressController: a load-balancer edge needs 2 or more replicas, got ${replicas}`,
      );
    }
    const watchNamespace = props.watchNamespace ?? NAMESPACE;
    if (watchNamespace === '') {
      throw new Error('TraefikIngressController: watchNamespace must name a namespace');
    }
    const namespace = Chart.of(this).namespace;
    if (!namespace) throw new Error('TraefikIngressController: its chart must set a namespace');
    const labels = objectLabels(name, INGRESS_CONTROLLER_COMPONENT);
    const selector = selectorLabels(name, INGRESS_CONTROLLER_COMPONENT);

    addModel(
      this,
      new ServiceAccount({ metadata: { name, labels }, automountServiceAccountToken: false }),
    );
    new TraefikRbac(this, 'rbac', {
      name,
      serviceAccountNamespace: namespace,
      watchNamespace,
      labels,
    });

    const probe = (periodSeconds: number, failureThreshold: number): IProbe => ({
      httpGet: { path: '/ping', port: 'ping' },
      periodSeconds,
      timeoutSeconds: 2,
      failureThreshold,
    });
    addModel(
      this,
      new Deployment({
        metadata: { name, labels },
        spec: {
          replicas,
          revisionHistoryLimit: 5,
          selector: { matchLabels: selector },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: {
              labels,
              annotations: {
                'prometheus.io/scrape': 'true',
                'prometheus.io/port': String(TRAEFIK_METRICS_PORT),
                'prometheus.io/path': '/metrics',
              },
            },
            spec: {
              serviceAccountName: name,
              automountServiceAccountToken: true,
              securityContext: restrictedPodSecurityContext(TRAEFIK_UID),
              terminationGracePeriodSeconds: PRE_STOP_SECONDS + GRACE_SECONDS + 5,
              containers: [
                restricted(
                  {
                    name,
                    image,
                    // Flags only: the stand-in's entrypoint is the binary, and the upstream
                    // image's entrypoint script runs `traefik` for arguments starting with '-'.
                    args: traefikArgs(watchNamespace, tls),
                    ports: [
                      { name: 'http', containerPort: TRAEFIK_WEB_PORT, protocol: 'TCP' },
                      ...(tls
                        ? [
                            {
                              name: 'https',
                              containerPort: TRAEFIK_WEBSECURE_PORT,
                              protocol: 'TCP' as const,
                            },
                          ]
                        : []),
                      { name: 'ping', containerPort: TRAEFIK_PING_PORT, protocol: 'TCP' },
                      { name: 'metrics', containerPort: TRAEFIK_METRICS_PORT, protocol: 'TCP' },
                    ],
                    resources: props.resources ?? {
                      requests: { cpu: '100m', memory: '64Mi' },
                      limits: { cpu: '500m', memory: '256Mi' },
                    },
                    readinessProbe: probe(5, 2),
                    livenessProbe: probe(10, 3),
                    lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
                    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                  },
                  TRAEFIK_UID,
                ),
              ],
              // The root filesystem is read-only; the upstream image declares /tmp a volume.
              volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }],
              topologySpreadConstraints:
                replicas > 1
                  ? [
                      {
                        maxSkew: 1,
                        topologyKey: 'kubernetes.io/hostname',
                        // Strict behind the load balancer: two replicas on one node would leave
                        // the edge down while that node drains.
                        whenUnsatisfiable: loadBalancer ? 'DoNotSchedule' : 'ScheduleAnyway',
                        labelSelector: { matchLabels: selector },
                      },
                    ]
                  : undefined,
            },
          },
        },
      }),
    );
    addDeploymentFront(this, {
      name,
      labels,
      selector,
      port: TRAEFIK_SERVICE_PORT,
      extraPorts: tls
        ? [{ name: 'https', port: TRAEFIK_SERVICE_TLS_PORT, targetPort: 'https', protocol: 'TCP' }]
        : [],
      loadBalancer,
    });
  }
}
