import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { KubeClient } from '../../../scripts/cluster/kube-client.js';
import type { ClusterInfo } from './cluster-setup.js';

export { type Pod, podIsReady } from '../../../scripts/cluster/kube-client.js';

/**
 * The cluster's own kubectl, bound to its kubeconfig and (unless an argument names another with
 * `-n`) to shardgate's namespace: the scripts' {@link KubeClient}, built from what the suites'
 * set-up provides.
 */
export class Kube extends KubeClient {
  readonly info: ClusterInfo;

  constructor(info: ClusterInfo = inject('cluster')) {
    super({ kubectl: info.kubectl, kubeconfig: info.kubeconfig, namespace: info.namespace });
    this.info = info;
  }
}

/** A name no other run of the suites uses: `<prefix>-<8 hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
