import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stopProcess } from '../stack/processes.js';
import { buildEtcd } from './build/etcd.js';
import { buildKubernetes } from './build/kubernetes.js';
import { applyManifest, type KubectlRun, kubectl } from './kubectl.js';
import { type ClusterLayout, CONTEXT_NAME, NODE_NAME } from './layout.js';
import {
  mountsUnder,
  podProcesses,
  processesNaming,
  removeKubeletCgroups,
  unmountUnder,
} from './node/cleanup.js';
import { type ClusterBinaries, type Component, nodeComponents } from './node/components.js';
import { importImages, killAllContainers } from './node/containerd.js';
import {
  createNodeNetwork,
  deleteNodeNetwork,
  nodeNetnsExists,
  processesInNode,
} from './node/netns.js';
import { nodePaths, writeNodeConfig } from './node/node-config.js';
import { type ClientIdentity, createPki, writeKubeconfig } from './node/pki.js';
import {
  isHealthy,
  isRunning,
  readProcessTable,
  startComponent,
  stopComponent,
} from './node/supervisor.js';

/** Images the node needs before any workload: the sandbox and the add-ons. */
export interface NodeImage {
  readonly ref: string;
  readonly archive: string;
}

/** What `up` needs besides the layout; each part is built (or found in the cache) by the caller. */
export interface ClusterParts {
  readonly binaries: ClusterBinaries;
  readonly images: readonly NodeImage[];
  /** Extra node processes started after kube-proxy (the NetworkPolicy enforcer). */
  readonly extraComponents: readonly Component[];
  /** Manifests applied once the node is up (CoreDNS, storage), in order. */
  readonly addonManifests: readonly string[];
}

/** Builds (or finds cached) the Kubernetes programs and etcd. */
export async function clusterBinaries(): Promise<ClusterBinaries> {
  const kubernetesDir = await buildKubernetes();
  const etcdDir = await buildEtcd();
  return { kubernetesDir, etcd: join(etcdDir, 'etcd') };
}

/** The path of the cluster's kubectl. */
export function kubectlPath(binaries: ClusterBinaries): string {
  return join(binaries.kubernetesDir, 'kubectl');
}

/** Applies the add-on manifests in order, passing on the API server's warnings. */
async function applyAddonManifests(k: KubectlRun, manifests: readonly string[]): Promise<void> {
  for (const manifest of manifests) {
    for (const warning of await applyManifest(k, { file: manifest }))
      console.warn(`cluster: ${manifest}: ${warning}`);
  }
}

/**
 * Starts the node: its network, certificates, every process in order (each waited for), the
 * images, the add-ons; then waits for the Node to be Ready. A cluster already running is left as
 * it is (and its components checked); a half-started one is taken down first.
 */
export async function clusterUp(layout: ClusterLayout, parts: ClusterParts): Promise<void> {
  const paths = nodePaths(layout);
  const components = [...nodeComponents(layout, paths, parts.binaries), ...parts.extraComponents];
  const running = components.filter((c) => isRunning(layout, c.name));
  if (running.length === components.length && nodeNetnsExists()) {
    const unhealthy = [];
    for (const c of components) if (!(await isHealthy(c))) unhealthy.push(c.name);
    if (unhealthy.length === 0) {
      console.log('cluster: already running');
      return;
    }
    console.log(`cluster: ${unhealthy.join(', ')} unhealthy; starting over`);
  }
  if (running.length > 0 || nodeNetnsExists() || existsSync(layout.stateDir)) {
    await clusterDown(layout);
  }
  mkdirSync(layout.stateDir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.kubeconfigDir, { recursive: true, mode: 0o700 });
  await createNodeNetwork();
  await createPki(layout.pkiDir);
  const identities: ClientIdentity[] = [
    'kube-controller-manager',
    'kube-scheduler',
    'kubelet',
    'kube-proxy',
    'network-policy',
  ];
  for (const identity of identities) {
    writeKubeconfig(layout.pkiDir, identity, join(paths.kubeconfigDir, `${identity}.kubeconfig`));
  }
  writeKubeconfig(layout.pkiDir, 'admin', layout.adminKubeconfig);
  writeNodeConfig(layout, paths);

  const k = (args: readonly string[]) =>
    kubectl(kubectlPath(parts.binaries), layout.adminKubeconfig, args);
  for (const component of components) {
    // The add-ons go in before the extra components: the enforcer's RBAC must exist when it
    // starts, or it gives up after its one-minute cache sync (seen when its health check lagged).
    if (component === parts.extraComponents[0]) await applyAddonManifests(k, parts.addonManifests);
    const started = Date.now();
    await startComponent(layout, component);
    console.log(
      `cluster: ${component.name} healthy (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    if (component.name === 'containerd')
      await importImages(paths.containerdSocket, parts.images, paths.importedImages);
  }
  if (parts.extraComponents.length === 0) await applyAddonManifests(k, parts.addonManifests);
  await k(['wait', '--for=condition=Ready', `node/${NODE_NAME}`, '--timeout=180s']);
  console.log(
    `cluster: node ${NODE_NAME} Ready; kubeconfig ${layout.adminKubeconfig} (context ${CONTEXT_NAME})`,
  );
}

/**
 * Stops and removes everything `up` made: the kubelet first (it would restart containers), every
 * container, then the other processes in reverse order, each by its recorded pid; then the mounts,
 * the kubelet's cgroups, the node's network namespace and the state folder.
 */
export async function clusterDown(layout: ClusterLayout): Promise<void> {
  const paths = nodePaths(layout);
  const table = readProcessTable(layout);
  const order = Object.keys(table).reverse();
  for (const name of ['kubelet', 'kube-proxy']) await stopComponent(layout, name);
  if (isRunning(layout, 'containerd')) await killAllContainers(paths.containerdSocket);
  for (const name of order) await stopComponent(layout, name);
  // Whatever is left in the node (a shim whose container was already gone) or in the pods' cgroups
  // (containers whose containerd is gone) was started by us too.
  for (const pid of [...(await processesInNode()), ...podProcesses()]) {
    await stopProcess(pid, 'SIGKILL', 5_000);
  }
  await unmountUnder([layout.stateDir, layout.runDir]);
  const stuck = removeKubeletCgroups();
  if (stuck.length > 0)
    console.warn(`cluster: cgroups still in use, left in place: ${stuck.join(', ')}`);
  await deleteNodeNetwork();
  rmSync(layout.stateDir, { recursive: true, force: true });
  rmSync(layout.runDir, { recursive: true, force: true });
  const left = leftovers(layout);
  if (left.length > 0) throw new Error(`down left these behind:\n- ${left.join('\n- ')}`);
}

/** What of a cluster is still on the machine: nothing, after a successful {@link clusterDown}. */
export function leftovers(layout: ClusterLayout): string[] {
  const left: string[] = [];
  if (nodeNetnsExists()) left.push('the node network namespace');
  for (const dir of [layout.stateDir, layout.runDir]) if (existsSync(dir)) left.push(dir);
  for (const point of mountsUnder([layout.stateDir, layout.runDir])) left.push(`mount ${point}`);
  // The folders the node's programs are given (not the admin kubeconfig, which clients name).
  const programPaths = ['etcd', 'pki', 'containerd', 'config', 'kubeconfigs', 'kubelet'].map(
    (dir) => join(layout.stateDir, dir),
  );
  for (const { pid, command } of processesNaming([layout.runDir, ...programPaths])) {
    left.push(`process ${pid}: ${command.slice(0, 120)}`);
  }
  for (const pid of podProcesses()) left.push(`pod process ${pid}`);
  return left;
}
