import { hasCommand } from './command.js';

/**
 * The programs the local cluster needs on the host, and the Debian package of each:
 * `scripts/bootstrap.sh --cluster` installs them.
 */
export const HOST_TOOLS: Readonly<Record<string, string>> = {
  ip: 'iproute2',
  nsenter: 'util-linux',
  iptables: 'iptables',
  ipset: 'ipset',
  conntrack: 'conntrack',
  containerd: 'containerd',
  'containerd-shim-runc-v2': 'containerd',
  ctr: 'containerd',
  runc: 'runc',
  podman: 'podman',
  mmdebstrap: 'mmdebstrap',
  openssl: 'openssl',
  curl: 'curl',
  gcc: 'gcc',
  go: 'golang (Go ≥ 1.24)',
};

/**
 * Fails, naming every missing program and its package, unless this runs as root with every tool
 * present: a node needs network namespaces, mounts, iptables and cgroups, all of which need root.
 */
export async function requireHostTools(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error('the local cluster needs root (network namespaces, mounts, cgroups, iptables)');
  }
  const missing: string[] = [];
  for (const [tool, pkg] of Object.entries(HOST_TOOLS)) {
    if (!(await hasCommand(tool))) missing.push(`${tool} (${pkg})`);
  }
  if (missing.length > 0) {
    throw new Error(
      `missing on this machine: ${missing.join(', ')}. Run: bash scripts/bootstrap.sh --cluster`,
    );
  }
}
