import type { Construct } from 'constructs';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Service } from 'kubernetes-models/v1';
import { addModel } from './add-model.js';

/** What {@link addDeploymentFront} needs about the Deployment it fronts. */
export interface DeploymentFrontProps {
  readonly name: string;
  readonly labels: Record<string, string>;
  /** The Deployment's pod selector. */
  readonly selector: Record<string, string>;
  /** The Service port; it targets the container port named `http`. */
  readonly port: number;
}

/**
 * The ClusterIP Service (one `http` port) and the PodDisruptionBudget every Deployment of the app
 * gets. `maxUnavailable: 1` rather than `minAvailable`: with one replica (dev) a node drain can
 * still evict the pod; with two or more, one replica always keeps serving.
 */
export function addDeploymentFront(scope: Construct, props: DeploymentFrontProps): void {
  const { name, labels, selector, port } = props;
  addModel(
    scope,
    new Service({
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }],
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
