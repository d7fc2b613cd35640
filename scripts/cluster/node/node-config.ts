import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ClusterLayout, NETWORK, NODE_NAME } from '../layout.js';

/** The image containerd runs as every pod's sandbox; a stand-in built here (scripts/cluster/images). */
export const SANDBOX_IMAGE = 'registry.k8s.io/pause:3.10';
/** Debian's CNI plugins (package containernetworking-plugins). */
const CNI_BIN_DIR = '/usr/lib/cni';

/** The paths of the node's runtime pieces under a {@link ClusterLayout}. */
export function nodePaths(layout: ClusterLayout) {
  const { stateDir, runDir } = layout;
  return {
    containerdConfig: join(stateDir, 'containerd', 'config.toml'),
    containerdRoot: join(stateDir, 'containerd', 'root'),
    containerdState: join(runDir, 'containerd'),
    containerdSocket: join(runDir, 'containerd', 'containerd.sock'),
    /** Which archive each image in containerd came from (see importImages). */
    importedImages: join(stateDir, 'containerd', 'imported-images.json'),
    cniConfDir: join(stateDir, 'cni', 'net.d'),
    cniDataDir: join(stateDir, 'cni', 'networks'),
    kubeletRoot: join(stateDir, 'kubelet'),
    kubeletConfig: join(stateDir, 'config', 'kubelet.yaml'),
    kubeletResolvConf: join(stateDir, 'config', 'resolv.conf'),
    kubeProxyConfig: join(stateDir, 'config', 'kube-proxy.yaml'),
    podLogs: join(stateDir, 'pod-logs'),
    etcdData: join(stateDir, 'etcd'),
    kubeconfigDir: join(stateDir, 'kubeconfigs'),
    localVolumes: join(stateDir, 'local-path'),
  };
}
export type NodePaths = ReturnType<typeof nodePaths>;

/** Writes containerd's, the CNI's, the kubelet's and kube-proxy's configuration files. */
export function writeNodeConfig(layout: ClusterLayout, paths: NodePaths): void {
  for (const file of [paths.containerdConfig, paths.kubeletConfig, paths.kubeProxyConfig]) {
    mkdirSync(join(file, '..'), { recursive: true });
  }
  mkdirSync(paths.cniConfDir, { recursive: true });
  writeFileSync(paths.containerdConfig, containerdConfig(paths));
  writeFileSync(join(paths.cniConfDir, '10-shardgate.conflist'), cniConfig(paths));
  writeFileSync(paths.kubeletConfig, kubeletConfig(layout, paths));
  // Pods with dnsPolicy Default get this file: the node has no upstream resolver to offer.
  writeFileSync(paths.kubeletResolvConf, '# the node reaches no network outside itself\n');
  writeFileSync(paths.kubeProxyConfig, kubeProxyConfig(paths));
}

/**
 * containerd 1.6, CRI plugin. Its own root, state and socket, so it never meets a containerd the
 * machine may already run. `restrict_oom_score_adj`: runc cannot lower a sandbox's OOM score
 * without CAP_SYS_RESOURCE (which this machine withholds) and would fail every pod with "can't get
 * final child's PID from pipe". No registry is configured: every image is imported beforehand.
 */
function containerdConfig(paths: NodePaths): string {
  return `version = 2
root = ${JSON.stringify(paths.containerdRoot)}
state = ${JSON.stringify(paths.containerdState)}
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
]

[grpc]
  address = ${JSON.stringify(paths.containerdSocket)}

[ttrpc]
  address = ${JSON.stringify(`${paths.containerdSocket}.ttrpc`)}

[plugins."io.containerd.internal.v1.opt"]
  path = ${JSON.stringify(join(paths.containerdRoot, 'opt'))}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${SANDBOX_IMAGE}"
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # Pod network namespaces under the state folder, so that \`down\` finds and removes every one.
  netns_mounts_under_state_dir = true

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN_DIR}"
    conf_dir = ${JSON.stringify(paths.cniConfDir)}
    max_conf_num = 1
`;
}

/**
 * One bridge for the one node. No IP masquerading: pods have nowhere outside the node to go.
 * Hairpin mode, so that a pod reaches itself through its own Service.
 */
function cniConfig(paths: NodePaths): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'shardgate',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: paths.cniDataDir,
            ranges: [[{ subnet: NETWORK.nodePodCidr }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  )}\n`;
}

function kubeletConfig(layout: ClusterLayout, paths: NodePaths): string {
  const pki = layout.pkiDir;
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# Only the node's own address; the API server's identity is checked against the cluster CA.
address: ${NETWORK.nodeAddress}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: ${pki}/kubelet-serving.crt
tlsPrivateKeyFile: ${pki}/kubelet-serving.key
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: ${pki}/ca.crt
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://${paths.containerdSocket}
imageServiceEndpoint: unix://${paths.containerdSocket}
# cgroup v1 on this machine, no systemd: the cgroupfs driver (kubelet 1.35+ refuses cgroup v1).
cgroupDriver: cgroupfs
failSwapOn: false
clusterDNS:
  - ${NETWORK.clusterDns}
clusterDomain: ${NETWORK.clusterDomain}
resolvConf: ${paths.kubeletResolvConf}
podLogsDir: ${paths.podLogs}
maxPods: 110
# The kubelet may not lower its own OOM score here (no CAP_SYS_RESOURCE).
oomScoreAdj: 0
# No image can be pulled again once collected (no registry is reachable): never collect images,
# and evict only when the machine is really out of room.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  imagefs.available: 2%
  nodefs.inodesFree: 2%
serializeImagePulls: false
rotateCertificates: false
serverTLSBootstrap: false
`;
}

function kubeProxyConfig(paths: NodePaths): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: ${join(paths.kubeconfigDir, 'kube-proxy.kubeconfig')}
hostnameOverride: ${NODE_NAME}
mode: iptables
clusterCIDR: ${NETWORK.podCidr}
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Connection-tracking limits are the machine's, not the node's: leave them as they are.
conntrack:
  maxPerCore: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
  udpTimeout: 0s
  udpStreamTimeout: 0s
iptables:
  minSyncPeriod: 1s
  syncPeriod: 30s
`;
}
