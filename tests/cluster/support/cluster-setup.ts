import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildEtcd } from '../../../scripts/cluster/build/etcd.js';
import { buildKubernetes } from '../../../scripts/cluster/build/kubernetes.js';
import { runCommand } from '../../../scripts/cluster/command.js';
import { loadPlan } from '../../../scripts/cluster/deploy/plan.js';
import { clusterLayout } from '../../../scripts/cluster/layout.js';
import { REPO_ROOT } from '../../../scripts/stack/layout.js';
import { type PortForward, portForward } from './port-forward.js';

/** What the cluster suites get through `inject('cluster')`. */
export interface ClusterInfo {
  readonly kubectl: string;
  readonly kubeconfig: string;
  readonly namespace: string;
  /** The gateway (Traefik) through a port-forward of its Service. */
  readonly gatewayUrl: string;
  /** Prometheus through a port-forward of its Service. */
  readonly prometheusUrl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterInfo;
  }
}

/**
 * Global setup of the cluster suites. It does not start anything: `npm run test:cluster` runs
 * `npm run cluster -- up` and `deploy` first (as a developer does), and this checks that they
 * did, failing loudly otherwise — never skipping. Then it opens the port-forwards every suite uses.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const layout = clusterLayout();
  if (!existsSync(layout.adminKubeconfig)) {
    throw new Error(
      `no local cluster (${layout.adminKubeconfig} is missing): run npm run cluster -- up && npm run cluster -- deploy`,
    );
  }
  // Both are cached by `up`; asking again only finds them.
  const kubectl = join(await buildKubernetes(), 'kubectl');
  await buildEtcd();
  const plan = loadPlan(REPO_ROOT);
  const k = (args: string[]) =>
    runCommand(kubectl, [`--kubeconfig=${layout.adminKubeconfig}`, ...args]);
  await k(['wait', '--for=condition=Ready', 'node', '--all', '--timeout=60s']);
  await k([
    '-n',
    plan.namespace,
    'wait',
    '--for=condition=Available',
    'deployment',
    '--all',
    '--timeout=120s',
  ]);
  await k([
    '-n',
    plan.gateway.namespace,
    'wait',
    '--for=condition=Available',
    'deployment',
    '--all',
    '--timeout=120s',
  ]);
  const forwards: PortForward[] = [];
  const gateway = await portForward(
    kubectl,
    layout.adminKubeconfig,
    plan.gateway.namespace,
    plan.gateway.service,
    plan.gateway.port,
  );
  forwards.push(gateway);
  const prometheus = await portForward(
    kubectl,
    layout.adminKubeconfig,
    plan.namespace,
    'prometheus',
    9090,
  );
  forwards.push(prometheus);
  project.provide('cluster', {
    kubectl,
    kubeconfig: layout.adminKubeconfig,
    namespace: plan.namespace,
    gatewayUrl: gateway.url,
    prometheusUrl: prometheus.url,
  });
  return async () => {
    for (const forward of forwards) await forward.close();
  };
}
