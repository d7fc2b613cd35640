import { join } from 'node:path';
import { buildGoBinaries } from '../go-build.js';
import { VERSIONS } from '../versions.js';

/** kube-router's module (its `/v2` major version line). */
const MODULE = 'github.com/cloudnativelabs/kube-router/v2';

/**
 * The user name (client certificate CN) the enforcer authenticates as; bound to its ClusterRole in
 * `scripts/cluster/addons/network-policy-rbac.yaml`.
 */
export const NETWORK_POLICY_USER = 'shardgate:network-policy';

/**
 * Commands the enforcer runs from its PATH in the node's network namespace (Debian packages
 * `iptables` and `ipset`). It drives iptables through whatever `iptables` names (the nf_tables
 * backend on Debian 12), the same one kube-proxy uses, so their rules never end up in two backends.
 */
export const NETWORK_POLICY_HOST_COMMANDS = [
  'iptables',
  'iptables-save',
  'iptables-restore',
  'ipset',
] as const;

/**
 * Builds kube-router {@link VERSIONS.kubeRouter} from the Go module proxy (once, then cached) and
 * returns the path of the static `kube-router` binary. Only its network policy controller is ever
 * started (see {@link networkPolicyArgs}): kube-network-policies, which kind uses, needs the
 * nftables `queue` expression, and this kernel is built without it (CONFIG_NFT_QUEUE).
 */
export async function buildNetworkPolicyEnforcer(): Promise<string> {
  const version = `v${VERSIONS.kubeRouter}`;
  const binDir = await buildGoBinaries({
    name: 'kube-router',
    version: VERSIONS.kubeRouter,
    require: { [MODULE]: version },
    packages: [`${MODULE}/cmd/kube-router`],
    // What upstream's Makefile stamps, so `kube-router --version` names the release.
    ldflags: [`-X ${MODULE}/pkg/version.Version=${version}`],
  });
  return join(binDir, 'kube-router');
}

/** Options of {@link networkPolicyArgs}. */
export interface NetworkPolicyArgsOptions {
  /** A kubeconfig whose user is {@link NETWORK_POLICY_USER}. */
  readonly kubeconfig: string;
  /**
   * The name of this node's Node object; it must carry an InternalIP, which kube-router compares
   * with each pod's `status.hostIP` to find the local pods. @default the machine's host name
   */
  readonly nodeName?: string;
  /** The Service CIDR (the API server's `--service-cluster-ip-range`). @default '10.96.0.0/16' */
  readonly serviceCidr?: string;
  /** Port of `GET /healthz`, on every address of the node's network namespace. @default 20244 */
  readonly healthPort?: number;
}

/**
 * The command line that runs kube-router as the NetworkPolicy firewall alone, as a host process in
 * the node's network namespace (`nsenter --net=/run/netns/shardgate-node <binary> <args>`).
 */
export function networkPolicyArgs(options: NetworkPolicyArgsOptions): string[] {
  const args = [
    `--kubeconfig=${options.kubeconfig}`,
    // Firewall only: pod networking is the CNI bridge's, Services are kube-proxy's. This also keeps
    // the two modules with published advisories against this release (GHSA-phqm-jgc3-qf8g in the
    // service proxy, GHSA-v5mh-h5hx-7v92 in the BGP router) from ever starting.
    '--run-firewall=true',
    '--run-router=false',
    '--run-service-proxy=false',
    '--run-loadbalancer=false',
    '--enable-cni=false',
    '--enable-ipv4=true',
    '--enable-ipv6=false',
    // Traffic to Service addresses is let through to kube-proxy's DNAT; the policy applies to the
    // pod it lands on, so kube-router must know which addresses are Services.
    `--service-cluster-ip-range=${options.serviceCidr ?? '10.96.0.0/16'}`,
    `--health-port=${options.healthPort ?? 20244}`,
    '--metrics-port=0',
  ];
  if (options.nodeName) args.push(`--hostname-override=${options.nodeName}`);
  return args;
}
