import type { Construct } from 'constructs';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { type IServicePort, type IServiceSpec, Service } from 'kubernetes-models/v1';
import { addModel } from './add-model.js';

/** What {@link addDeploymentFront} needs about the Deployment it fronts. */
export interface DeploymentFrontProps {
  readonly name: string;
  readonly labels: Record<string, string>;
  /** The Deployment's pod selector. */
  readonly selector: Record<string, string>;
  /** The Service port; it targets the container port named `http`. */
  readonly port: number;
  /**
   * Further Service ports after `http` (an edge's `https`).
   * @default none
   */
  readonly extraPorts?: readonly IServicePort[];
  /**
   * `type: LoadBalancer` with `externalTrafficPolicy: Local` instead of ClusterIP: for the edge
   * only. `Local` keeps the client's source address (no SNAT by kube-proxy between nodes), which
   * the per-IP limits depend on; the load balancer's health checks then skip nodes without a pod.
   * @default false
   */
  readonly loadBalancer?: boolean;
}

/**
 * The Service (ClusterIP unless {@link DeploymentFrontProps.loadBalancer}, an `http` port first)
 * and the PodDisruptionBudget every Deployment of the app gets. `maxUnavailable: 1` rather than `minAvailable`: with one replica (dev) a node drain can
 * still evict the pod; with two or more, one replica always keeps serving.
 */
export function addDeploymentFront(scope: Construct, props: DeploymentFrontProps): void {
  const { name, labels, selector, port } = props;
  const exposure: IServiceSpec = props.loadBalancer
    ? { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }
    : { type: 'ClusterIP' };
  addModel(
    scope,
    new Service({
      metadata: { name, labels },
      spec: {
        ...exposure,
        selector,
        ports: [
          { name: 'http', port, targetPort: 'http', protocol: 'TCP' },
          ...(props.extraPorts ?? []),
        ],
      },
    }),
  );
  addModel(
    scope,
    new PodDisruptionBudget({
      metadata: { name, labels },
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    }),
  );
}
