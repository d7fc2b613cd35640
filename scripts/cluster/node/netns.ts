import { existsSync } from 'node:fs';
import { runCommand } from '../command.js';
import { NETWORK, NODE_NETNS } from '../layout.js';

/** The file that names the node's network namespace (what `nsenter --net=` takes). */
export const NODE_NETNS_PATH = `/run/netns/${NODE_NETNS}`;

/** A command line that runs `argv` inside the node's network namespace (and nothing else changed). */
export function inNode(argv: readonly string[]): string[] {
  // nsenter, not `ip netns exec`: the latter also gives the process a mount namespace of its own,
  // and the kubelet's volume mounts must be visible to containerd and runc.
  return ['nsenter', `--net=${NODE_NETNS_PATH}`, '--', ...argv];
}

/** Runs a command inside the node's network namespace. */
export function runInNode(argv: readonly string[]): ReturnType<typeof runCommand> {
  const [command, ...args] = inNode(argv);
  return runCommand(command as string, args);
}

/** True when the node's network namespace exists. */
export function nodeNetnsExists(): boolean {
  return existsSync(NODE_NETNS_PATH);
}

/**
 * Creates the node: a network namespace joined to the host by one veth pair on a private /30.
 *
 * The namespace has **no default route**: nothing in it, pods included, can send a packet to any
 * address outside the node, and the host (which forwards packets) never becomes its router. The
 * Service range is routed to the loopback device: locally sent packets need some route before
 * kube-proxy's OUTPUT rules rewrite a Service address into a pod's, and a packet to a Service
 * address that no rule rewrites is dropped there instead of leaving. (A dummy device, as
 * kube-proxy's IPVS mode uses, would do the same, but this kernel has no dummy driver.)
 */
export async function createNodeNetwork(): Promise<void> {
  if (nodeNetnsExists()) await deleteNodeNetwork();
  const ip = (...args: string[]) => runCommand('ip', args);
  const ipNode = (...args: string[]) => runCommand('ip', ['-n', NODE_NETNS, ...args]);
  await ip('netns', 'add', NODE_NETNS);
  await ip(
    'link',
    'add',
    NETWORK.hostVeth,
    'type',
    'veth',
    'peer',
    'name',
    NETWORK.nodeVeth,
    'netns',
    NODE_NETNS,
  );
  await ip(
    'addr',
    'add',
    `${NETWORK.hostAddress}/${NETWORK.prefixLength}`,
    'dev',
    NETWORK.hostVeth,
  );
  await ip('link', 'set', NETWORK.hostVeth, 'up');
  await ipNode('link', 'set', 'lo', 'up');
  await ipNode(
    'addr',
    'add',
    `${NETWORK.nodeAddress}/${NETWORK.prefixLength}`,
    'dev',
    NETWORK.nodeVeth,
  );
  await ipNode('link', 'set', NETWORK.nodeVeth, 'up');
  await ipNode('route', 'add', NETWORK.serviceCidr, 'dev', 'lo');
  for (const [key, value] of Object.entries(NODE_SYSCTLS)) {
    await runInNode(['sysctl', '-q', '-w', `${key}=${value}`]);
  }
}

/**
 * Kernel settings of the node's namespace (each is per network namespace). Forwarding, because
 * traffic between pods and to Service addresses is routed through the bridge's gateway; bridged
 * traffic through iptables, so that kube-proxy's NAT and the NetworkPolicy rules also see packets
 * between two pods on the same bridge.
 */
const NODE_SYSCTLS: Readonly<Record<string, string>> = {
  'net.ipv4.ip_forward': '1',
  'net.bridge.bridge-nf-call-iptables': '1',
  'net.bridge.bridge-nf-call-ip6tables': '1',
  'net.ipv4.conf.all.rp_filter': '0',
};

/** Deletes the node's namespace (and with it the veth pair, its routes and iptables rules). */
export async function deleteNodeNetwork(): Promise<void> {
  if (nodeNetnsExists()) await runCommand('ip', ['netns', 'delete', NODE_NETNS]);
  // A veth whose peer namespace vanished disappears with it; this is only for a half-made node.
  await runCommand('ip', ['link', 'delete', NETWORK.hostVeth]).catch(() => undefined);
}

/** The pids of every process whose network namespace is the node's. */
export async function processesInNode(): Promise<number[]> {
  if (!nodeNetnsExists()) return [];
  const { stdout } = await runCommand('ip', ['netns', 'pids', NODE_NETNS]);
  return stdout.split('\n').filter(Boolean).map(Number);
}
