import { basename } from 'node:path';
import { buildGoBinaries, downloadGoModule } from '../go-build.js';
import { VERSIONS } from '../versions.js';
import { ensureDebianStandIn } from './debian-stand-in.js';
import type { BuiltImage } from './image-cache.js';

/** The image of the dev Prometheus (`cdk8s/src/constructs/dev-prometheus.ts`). */
export const PROMETHEUS_IMAGE = `quay.io/prometheus/prometheus:v${VERSIONS.prometheus}`;

/** Prometheus's Go module; its releases v2.X.Y are tagged v0.X.Y for Go. */
const MODULE = 'github.com/prometheus/prometheus';
const MODULE_VERSION = `v0.${VERSIONS.prometheus.replace(/^2\./, '')}`;

/** Build tags: every service discovery out but Kubernetes' (file, http, static stay: not plugins). */
const TAGS = ['remove_all_sd', 'enable_kubernetes_sd'];

/** Builds prometheus and promtool once (several minutes) and returns their folder. */
async function buildPrometheus(): Promise<string> {
  const version = 'github.com/prometheus/common/version';
  const binary = await buildGoBinaries({
    name: 'prometheus',
    version: VERSIONS.prometheus,
    keyExtra: TAGS.join('+'),
    require: { [MODULE]: MODULE_VERSION },
    // Prometheus's own replacements, which a requiring module does not inherit: without them
    // client-go's klog is not the go-kit adapter Prometheus's main wires up.
    replace: {
      'k8s.io/klog': 'github.com/simonpasquier/klog-gokit v0.3.0',
      'k8s.io/klog/v2': 'github.com/simonpasquier/klog-gokit/v3 v3.5.0',
    },
    packages: [`${MODULE}/cmd/prometheus`, `${MODULE}/cmd/promtool`],
    tags: TAGS,
    ldflags: [
      `-X ${version}.Version=${VERSIONS.prometheus}`,
      `-X ${version}.Branch=${MODULE_VERSION}`,
      `-X ${version}.BuildUser=shardgate`,
    ],
  });
  return binary;
}

/** The folder of Prometheus's module (consoles, example configuration, licence), downloaded if needed. */
async function moduleDir(): Promise<string> {
  return (await downloadGoModule(MODULE, MODULE_VERSION)).Dir;
}

/**
 * The prometheus stand-in (`images/prometheus/`): Prometheus `VERSIONS.prometheus` built from its
 * Go module with the Kubernetes discovery only and no web UI assets, in the upstream image's
 * layout (`/bin/prometheus`, `/bin/promtool`, `/etc/prometheus/prometheus.yml`, consoles under
 * `/usr/share/prometheus`, data in `/prometheus`), entrypoint, default arguments and user
 * (nobody, 65534), on the Debian base. Built once, then cached.
 */
export async function ensurePrometheusImage(): Promise<BuiltImage> {
  const bin = await buildPrometheus();
  const source = await moduleDir();
  return ensureDebianStandIn({
    name: 'prometheus',
    ref: PROMETHEUS_IMAGE,
    packages: ['base-files'],
    keyExtra: [basename(bin)],
    buildContexts: async () => ({ bin, source }),
    describe: (versions) => ({
      title: 'prometheus',
      standsInFor: PROMETHEUS_IMAGE,
      version: VERSIONS.prometheus,
      contains: `Prometheus ${VERSIONS.prometheus} (prometheus, promtool) built from the Go module ${MODULE}@${MODULE_VERSION} with build tags ${TAGS.join(',')}: Kubernetes, file, http and static service discovery only, no web UI assets; on Debian 12 minbase (base-files ${versions.get('base-files')}) instead of busybox`,
      debianPackages: versions,
    }),
  });
}
