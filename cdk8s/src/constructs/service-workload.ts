import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ConfigMap, type IProbe, ServiceAccount } from 'kubernetes-models/v1';
import type { ServiceSizing } from '../environments.js';
import { addModel } from '../lib/add-model.js';
import { addDeploymentFront } from '../lib/deployment-front.js';
import { objectLabels, selectorLabels } from '../lib/labels.js';
import { waitForMigrationsContainer } from '../lib/migration-containers.js';
import { restricted, restrictedPodSecurityContext } from '../lib/restricted-security.js';
import {
  type ServiceDefinition,
  SHUTDOWN_DRAIN_DELAY_SECONDS,
  SHUTDOWN_TIMEOUT_SECONDS,
} from '../lib/service-definitions.js';
import { HTTP_PORT, METRICS_PATH, METRICS_PORT, METRICS_PORT_NAME } from '../names.js';

/** Props of {@link ServiceWorkload}. */
export interface ServiceWorkloadProps {
  /** Which service, with its image, command and settings. */
  readonly service: ServiceDefinition;
  /** Replicas, autoscaling and resources for the environment. */
  readonly sizing: ServiceSizing;
  /**
   * Spread replicas over nodes (a soft constraint, so one-node clusters still schedule them).
   * @default true when more than one replica may run
   */
  readonly spreadOverNodes?: boolean;
}

/** Component label of the service pods (migration Jobs are `migrations`). */
export const SERVER_COMPONENT = 'server';

/**
 * One shardgate service: ServiceAccount, ConfigMap, Deployment, Service, PodDisruptionBudget and,
 * when the environment autoscales, a HorizontalPodAutoscaler. All named after the service.
 */
export class ServiceWorkload extends Construct {
  constructor(scope: Construct, id: string, props: ServiceWorkloadProps) {
    super(scope, id);
    const { service, sizing } = props;
    validateSizing(service.name, sizing);
    const name = service.name;
    const labels = objectLabels(name, SERVER_COMPONENT);
    const selector = selectorLabels(name, SERVER_COMPONENT);
    const configMapName = `${name}-config`;
    const multiReplica = (sizing.autoscaling?.maxReplicas ?? sizing.replicas ?? 1) > 1;

    addModel(
      this,
      new ServiceAccount({
        metadata: { name, labels },
        // The services never call the Kubernetes API: no token in the pods at all.
        automountServiceAccountToken: false,
      }),
    );

    addModel(
      this,
      new ConfigMap({ metadata: { name: configMapName, labels }, data: { ...service.config } }),
    );

    const probe = (path: string, periodSeconds: number, failureThreshold: number): IProbe => ({
      httpGet: { path, port: 'http' },
      periodSeconds,
      timeoutSeconds: 2,
      failureThreshold,
    });

    addModel(
      this,
      new Deployment({
        metadata: { name, labels },
        spec: {
          replicas: sizing.autoscaling ? undefined : sizing.replicas,
          revisionHistoryLimit: 5,
          selector: { matchLabels: selector },
          // Never below the wanted capacity during a rollout; the drain makes the swap lossless.
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: {
              labels,
              annotations: {
                'prometheus.io/scrape': 'true',
                'prometheus.io/port': String(METRICS_PORT),
                'prometheus.io/path': METRICS_PATH,
                // A ConfigMap edit does not restart pods by itself; a changed hash here does.
                'shardgate.dev/config-hash': hashOf(service.config),
              },
            },
            spec: {
              serviceAccountName: name,
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurityContext(),
              // preStop sleep + in-process drain + in-flight timeout, plus a margin for exit.
              terminationGracePeriodSeconds:
                SHUTDOWN_DRAIN_DELAY_SECONDS * 2 + SHUTDOWN_TIMEOUT_SECONDS + 5,
              initContainers: [waitForMigrationsContainer(service)],
              containers: [
                restricted({
                  name,
                  image: service.image,
                  command: [...service.command],
                  ports: [
                    { name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' },
                    { name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: 'TCP' },
                  ],
                  envFrom: [
                    { configMapRef: { name: configMapName } },
                    ...service.secretEnvFrom.map((secret) => ({ secretRef: { name: secret } })),
                  ],
                  resources: sizing.resources,
                  // Startup gets up to a minute (module and key loading); liveness then
                  // restarts a wedged process, readiness takes a draining one out of rotation.
                  startupProbe: probe('/healthz', 2, 30),
                  livenessProbe: probe('/healthz', 10, 3),
                  readinessProbe: probe('/readyz', 5, 2),
                  lifecycle: {
                    // Endpoint removal reaches ingress-nginx and kube-proxy a few seconds after
                    // the pod starts terminating; the pod keeps serving normally meanwhile, then
                    // SIGTERM begins the service's own drain (readiness false for the same time).
                    // The native sleep action needs no `sleep` binary in the image.
                    preStop: { sleep: { seconds: SHUTDOWN_DRAIN_DELAY_SECONDS } },
                  },
                  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...service.volumeMounts],
                }),
              ],
              volumes: [
                // The root filesystem is read-only; Node and libraries may still want a /tmp.
                { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
                ...service.volumes,
              ],
              topologySpreadConstraints:
                (props.spreadOverNodes ?? multiReplica)
                  ? [
                      {
                        maxSkew: 1,
                        topologyKey: 'kubernetes.io/hostname',
                        whenUnsatisfiable: 'ScheduleAnyway',
                        labelSelector: { matchLabels: selector },
                      },
                    ]
                  : undefined,
            },
          },
        },
      }),
    );

    addDeploymentFront(this, { name, labels, selector, port: HTTP_PORT });

    if (sizing.autoscaling) {
      const { minReplicas, maxReplicas, targetCpuUtilization } = sizing.autoscaling;
      addModel(
        this,
        new HorizontalPodAutoscaler({
          metadata: { name, labels },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
            minReplicas,
            maxReplicas,
            metrics: [
              {
                type: 'Resource',
                resource: {
                  name: 'cpu',
                  target: { type: 'Utilization', averageUtilization: targetCpuUtilization },
                },
              },
            ],
          },
        }),
      );
    }
  }
}

function validateSizing(name: string, sizing: ServiceSizing): void {
  if (sizing.autoscaling && sizing.replicas !== undefined) {
    throw new Error(`${name}: set either sizing.replicas or sizing.autoscaling, not both`);
  }
  if (!sizing.autoscaling && sizing.replicas === undefined) {
    throw new Error(`${name}: sizing.replicas is required without sizing.autoscaling`);
  }
  const a = sizing.autoscaling;
  if (a && (a.minReplicas < 1 || a.maxReplicas < a.minReplicas)) {
    throw new Error(`${name}: sizing.autoscaling needs 1 <= minReplicas <= maxReplicas`);
  }
}

function hashOf(data: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(data)
    .sort()
    .map((key) => [key, data[key]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}
