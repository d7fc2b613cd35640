import { join } from 'node:path';

/**
 * Where the local cluster lives and how its network is laid out. Everything here is fixed so that
 * the kubeconfig, the certificates and the manifests agree; only the state folder can move.
 *
 * The node is a network namespace of its own, like kind's node container: etcd, the control plane,
 * containerd, the kubelet and kube-proxy all run inside it, so pod and Service addresses exist only
 * there. The host reaches the node through one veth pair on a private /30 and nowhere else.
 */
export interface ClusterLayout {
  /** Everything the cluster writes: certificates, etcd data, containerd, kubelet, volumes, logs. */
  readonly stateDir: string;
  /** Sockets and pid files (wiped by a reboot, as their processes are). */
  readonly runDir: string;
  readonly pkiDir: string;
  readonly logDir: string;
  /** The kubeconfig of the cluster's administrator (context {@link CONTEXT_NAME}). */
  readonly adminKubeconfig: string;
}

/** The kubeconfig context of the local cluster; the Tiltfile allows it too. */
export const CONTEXT_NAME = 'shardgate-local';
/** The Node object's name. */
export const NODE_NAME = 'shardgate-local';
/** The network namespace that is the node. */
export const NODE_NETNS = 'shardgate-node';

/** The addresses of the node and of its link to the host. */
export const NETWORK = {
  /** The host end of the veth pair. */
  hostVeth: 'sg-host',
  hostAddress: '172.30.255.1',
  /** The node's end (named eth0 inside the namespace); the API server listens here. */
  nodeVeth: 'eth0',
  nodeAddress: '172.30.255.2',
  prefixLength: 30,
  /** Pods: the bridge `cni0` in the node, one /24 for the one node. */
  podCidr: '10.244.0.0/16',
  nodePodCidr: '10.244.0.0/24',
  serviceCidr: '10.96.0.0/16',
  /** The first Service address: the `kubernetes` Service in front of the API server. */
  apiServiceAddress: '10.96.0.1',
  clusterDns: '10.96.0.10',
  clusterDomain: 'cluster.local',
  apiServerPort: 6443,
} as const;

/** The layout for a state folder: `SHARDGATE_CLUSTER_DIR`, default `/var/lib/shardgate-cluster`. */
export function clusterLayout(env: NodeJS.ProcessEnv = process.env): ClusterLayout {
  const stateDir = env.SHARDGATE_CLUSTER_DIR || '/var/lib/shardgate-cluster';
  return {
    stateDir,
    runDir: env.SHARDGATE_CLUSTER_RUN_DIR || '/run/shardgate-cluster',
    pkiDir: join(stateDir, 'pki'),
    logDir: join(stateDir, 'logs'),
    adminKubeconfig: join(stateDir, 'admin.kubeconfig'),
  };
}

/** The API server's URL as the host and the node's processes see it. */
export const API_SERVER_URL = `https://${NETWORK.nodeAddress}:${NETWORK.apiServerPort}`;
