import { join } from 'node:path';
import { type ClusterLayout, NETWORK, NODE_NAME } from '../layout.js';
import type { NodePaths } from './node-config.js';

/** Where each built program lives. */
export interface ClusterBinaries {
  readonly etcd: string;
  readonly kubernetesDir: string;
}

/** One long-running process of the node, started in order, stopped in reverse. */
export interface Component {
  readonly name: string;
  /** The command line, run inside the node's network namespace. */
  readonly argv: readonly string[];
  /** A command run inside the node that exits 0 once the component serves. */
  readonly healthCheck: readonly string[];
  /** How long it may take to become healthy on a loaded two-core machine. */
  readonly startTimeoutMs: number;
}

/** `curl` that fails on anything but 2xx, quietly, with a short timeout. */
function probe(url: string, ...extra: string[]): string[] {
  return ['curl', '--silent', '--show-error', '--fail', '--max-time', '3', ...extra, url];
}

/**
 * The node's processes in start order: etcd, the control plane, containerd, the kubelet,
 * kube-proxy. Everything listens inside the node's namespace; only the API server (and the
 * kubelet, for the API server) listen on the node's address, the rest on its loopback.
 */
export function nodeComponents(
  layout: ClusterLayout,
  paths: NodePaths,
  bin: ClusterBinaries,
): Component[] {
  const pki = (file: string) => join(layout.pkiDir, file);
  const kubeconfig = (name: string) => join(paths.kubeconfigDir, `${name}.kubeconfig`);
  const k8s = (program: string) => join(bin.kubernetesDir, program);
  const adminCurl = [
    '--cacert',
    pki('ca.crt'),
    '--cert',
    pki('admin.crt'),
    '--key',
    pki('admin.key'),
  ];
  return [
    {
      // Plain HTTP on the node's loopback: only the API server, in the same namespace, talks to it.
      name: 'etcd',
      argv: [
        bin.etcd,
        '--name=node',
        `--data-dir=${paths.etcdData}`,
        '--listen-client-urls=http://127.0.0.1:2379',
        '--advertise-client-urls=http://127.0.0.1:2379',
        '--listen-peer-urls=http://127.0.0.1:2380',
        '--initial-advertise-peer-urls=http://127.0.0.1:2380',
        '--initial-cluster=node=http://127.0.0.1:2380',
        '--listen-metrics-urls=http://127.0.0.1:2381',
        '--quota-backend-bytes=2147483648',
        '--log-level=warn',
      ],
      healthCheck: probe('http://127.0.0.1:2381/health'),
      startTimeoutMs: 60_000,
    },
    {
      name: 'kube-apiserver',
      argv: [
        k8s('kube-apiserver'),
        `--advertise-address=${NETWORK.nodeAddress}`,
        `--bind-address=${NETWORK.nodeAddress}`,
        `--secure-port=${NETWORK.apiServerPort}`,
        '--etcd-servers=http://127.0.0.1:2379',
        `--service-cluster-ip-range=${NETWORK.serviceCidr}`,
        `--client-ca-file=${pki('ca.crt')}`,
        `--tls-cert-file=${pki('apiserver.crt')}`,
        `--tls-private-key-file=${pki('apiserver.key')}`,
        `--kubelet-client-certificate=${pki('apiserver-kubelet-client.crt')}`,
        `--kubelet-client-key=${pki('apiserver-kubelet-client.key')}`,
        `--kubelet-certificate-authority=${pki('ca.crt')}`,
        '--kubelet-preferred-address-types=InternalIP',
        `--service-account-issuer=https://kubernetes.default.svc.${NETWORK.clusterDomain}`,
        `--service-account-key-file=${pki('service-accounts.pub')}`,
        `--service-account-signing-key-file=${pki('service-accounts.key')}`,
        '--authorization-mode=Node,RBAC',
        // PodSecurity is on by default; NodeRestriction limits the kubelet to its own node.
        '--enable-admission-plugins=NodeRestriction',
        '--anonymous-auth=false',
        '--allow-privileged=false',
        '--profiling=false',
        '--event-ttl=1h',
      ],
      healthCheck: probe(
        `https://${NETWORK.nodeAddress}:${NETWORK.apiServerPort}/readyz`,
        ...adminCurl,
      ),
      startTimeoutMs: 120_000,
    },
    {
      name: 'kube-controller-manager',
      argv: [
        k8s('kube-controller-manager'),
        `--kubeconfig=${kubeconfig('kube-controller-manager')}`,
        `--authentication-kubeconfig=${kubeconfig('kube-controller-manager')}`,
        `--authorization-kubeconfig=${kubeconfig('kube-controller-manager')}`,
        '--bind-address=127.0.0.1',
        '--leader-elect=false',
        '--use-service-account-credentials=true',
        `--service-account-private-key-file=${pki('service-accounts.key')}`,
        `--root-ca-file=${pki('ca.crt')}`,
        `--cluster-signing-cert-file=${pki('ca.crt')}`,
        `--cluster-signing-key-file=${pki('ca.key')}`,
        '--allocate-node-cidrs=true',
        `--cluster-cidr=${NETWORK.podCidr}`,
        '--node-cidr-mask-size=24',
        `--service-cluster-ip-range=${NETWORK.serviceCidr}`,
        '--profiling=false',
      ],
      healthCheck: probe('https://127.0.0.1:10257/healthz', '--insecure'),
      startTimeoutMs: 60_000,
    },
    {
      name: 'kube-scheduler',
      argv: [
        k8s('kube-scheduler'),
        `--kubeconfig=${kubeconfig('kube-scheduler')}`,
        `--authentication-kubeconfig=${kubeconfig('kube-scheduler')}`,
        `--authorization-kubeconfig=${kubeconfig('kube-scheduler')}`,
        '--bind-address=127.0.0.1',
        '--leader-elect=false',
        '--profiling=false',
      ],
      healthCheck: probe('https://127.0.0.1:10259/healthz', '--insecure'),
      startTimeoutMs: 60_000,
    },
    {
      name: 'containerd',
      argv: ['containerd', `--config=${paths.containerdConfig}`],
      healthCheck: ['ctr', `--address=${paths.containerdSocket}`, 'version'],
      startTimeoutMs: 30_000,
    },
    {
      name: 'kubelet',
      argv: [
        k8s('kubelet'),
        `--config=${paths.kubeletConfig}`,
        `--kubeconfig=${kubeconfig('kubelet')}`,
        `--root-dir=${paths.kubeletRoot}`,
        `--hostname-override=${NODE_NAME}`,
        `--node-ip=${NETWORK.nodeAddress}`,
      ],
      healthCheck: probe('http://127.0.0.1:10248/healthz'),
      startTimeoutMs: 90_000,
    },
    {
      name: 'kube-proxy',
      argv: [k8s('kube-proxy'), `--config=${paths.kubeProxyConfig}`],
      healthCheck: probe('http://127.0.0.1:10256/healthz'),
      startTimeoutMs: 60_000,
    },
  ];
}

/** How to run the NetworkPolicy enforcer (see scripts/cluster/addons). */
export interface EnforcerProgram {
  readonly binary: string;
  args(
    kubeconfig: string,
    options?: { nodeName?: string; serviceCidr?: string; healthPort?: number },
  ): string[];
}

/** The NetworkPolicy enforcer as a node process, started after kube-proxy. */
export function networkPolicyComponent(
  layout: ClusterLayout,
  enforcer: EnforcerProgram,
): Component {
  const healthPort = 20244;
  return {
    name: 'network-policy',
    argv: [
      enforcer.binary,
      ...enforcer.args(join(layout.stateDir, 'kubeconfigs', 'network-policy.kubeconfig'), {
        nodeName: NODE_NAME,
        serviceCidr: NETWORK.serviceCidr,
        healthPort,
      }),
    ],
    healthCheck: probe(`http://127.0.0.1:${healthPort}/healthz`),
    startTimeoutMs: 60_000,
  };
}
