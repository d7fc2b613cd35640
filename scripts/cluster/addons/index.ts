import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildNetworkPolicyEnforcer,
  NETWORK_POLICY_HOST_COMMANDS,
  NETWORK_POLICY_USER,
  type NetworkPolicyArgsOptions,
  networkPolicyArgs,
} from '../build/network-policy.js';
import { ensureBusyboxImage } from '../images/busybox.js';
import { COREDNS_IMAGE, ensureCoreDnsImage } from '../images/coredns.js';
import type { BuiltImage } from '../images/image-cache.js';
import {
  ensureLocalPathProvisionerImage,
  LOCAL_PATH_PROVISIONER_IMAGE,
} from '../images/local-path.js';
import { type LocalPathOptions, localPathManifest } from './local-path-manifest.js';

export { NETWORK_POLICY_USER } from '../build/network-policy.js';
export { DEFAULT_LOCAL_PATH_ROOT, type LocalPathOptions } from './local-path-manifest.js';

const ADDONS_DIR = dirname(fileURLToPath(import.meta.url));
const COREDNS_MANIFEST = join(ADDONS_DIR, 'coredns.yaml');
const NETWORK_POLICY_RBAC = join(ADDONS_DIR, 'network-policy-rbac.yaml');

/**
 * Builds (once, then cached) the images the add-on pods run: CoreDNS, local-path-provisioner and
 * the busybox its helper pods use. One after the other, since each may compile Go on a machine
 * with two cores. Import each archive into the node's containerd (`ctr -n k8s.io images import`).
 */
export async function addonImages(): Promise<BuiltImage[]> {
  const images: BuiltImage[] = [];
  for (const ensure of [ensureCoreDnsImage, ensureLocalPathProvisionerImage, ensureBusyboxImage]) {
    images.push(await ensure());
  }
  return images;
}

/**
 * The add-on manifests in the order to apply them: the enforcer's RBAC, CoreDNS (with the
 * `kube-system` namespace), then the default StorageClass and its provisioner. Throws when a
 * manifest names another image version than the images {@link addonImages} builds.
 */
export function addonManifests(localPath: LocalPathOptions = {}): string[] {
  requireImage(COREDNS_MANIFEST, COREDNS_IMAGE);
  const storage = localPathManifest(localPath);
  requireImage(storage, LOCAL_PATH_PROVISIONER_IMAGE);
  return [NETWORK_POLICY_RBAC, COREDNS_MANIFEST, storage];
}

/** How to run the NetworkPolicy enforcer as a host process in the node's network namespace. */
export interface NetworkPolicyEnforcer {
  /** The static `kube-router` binary. */
  readonly binary: string;
  /** The CN its client certificate must carry; the RBAC manifest binds this user. */
  readonly user: string;
  /** Commands it runs from its PATH (Debian packages `iptables`, `ipset`). */
  readonly hostCommands: readonly string[];
  /** Its arguments for `kubeconfig` (run it with `nsenter --net=<node netns> <binary> <args>`). */
  args(kubeconfig: string, options?: Omit<NetworkPolicyArgsOptions, 'kubeconfig'>): string[];
}

/** Builds the enforcer (once, then cached) and describes how to run it. */
export async function networkPolicyEnforcer(): Promise<NetworkPolicyEnforcer> {
  const binary = await buildNetworkPolicyEnforcer();
  return {
    binary,
    user: NETWORK_POLICY_USER,
    hostCommands: NETWORK_POLICY_HOST_COMMANDS,
    args: (kubeconfig, options = {}) => networkPolicyArgs({ ...options, kubeconfig }),
  };
}

/** Fails when `manifest` does not run `image`: a version bumped in one place only. */
function requireImage(manifest: string, image: string): void {
  if (!readFileSync(manifest, 'utf8').includes(`image: ${image}\n`)) {
    throw new Error(`${manifest} does not run ${image}: update its image: line`);
  }
}
