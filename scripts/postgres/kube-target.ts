/**
 * Which kubectl and kubeconfig the operator's Postgres scripts (`db:failover`, `db:restore`) use,
 * decided in one place so that both talk to the same cluster the same way.
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildKubernetes } from '../cluster/build/kubernetes.js';
import type { KubeTarget } from '../cluster/kube-client.js';
import { clusterLayout } from '../cluster/layout.js';

/** The command-line flags both scripts accept. */
export interface KubeFlags {
  readonly kubectl?: string;
  readonly kubeconfig?: string;
  readonly namespace: string;
}

/**
 * The flags first, then `KUBECTL` and `KUBECONFIG`; without a kubeconfig, the local cluster's
 * (docs/local-cluster.md) when it exists on this machine, with the kubectl built for it; else
 * `kubectl` on the PATH with its own default kubeconfig (~/.kube/config). `env` and `local` (the
 * local cluster's admin kubeconfig) are parameters for the tests.
 */
export async function resolveKubeTarget(
  flags: KubeFlags,
  env: NodeJS.ProcessEnv = process.env,
  local: string = clusterLayout().adminKubeconfig,
): Promise<KubeTarget> {
  const kubeconfig = flags.kubeconfig ?? env.KUBECONFIG ?? (existsSync(local) ? local : undefined);
  const kubectl =
    flags.kubectl ??
    env.KUBECTL ??
    (kubeconfig === local ? join(await buildKubernetes(), 'kubectl') : 'kubectl');
  return { kubectl, namespace: flags.namespace, ...(kubeconfig ? { kubeconfig } : {}) };
}
