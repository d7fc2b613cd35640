import { join } from 'node:path';
import { buildGoBinaries, downloadGoModule } from '../go-build.js';
import { VERSIONS } from '../versions.js';

/** The operator's Go module; its release tags are the plain versions (`v0.85.0`). */
export const PROMETHEUS_OPERATOR_MODULE = 'github.com/prometheus-operator/prometheus-operator';

const MODULE_VERSION = `v${VERSIONS.prometheusOperator}`;

/**
 * Builds the Prometheus Operator {@link VERSIONS.prometheusOperator} from its Go module (once;
 * cached under `~/.cache/shardgate/bin/prometheus-operator-<version>/`): `operator` and
 * `prometheus-config-reloader`, static, with the version stamps of upstream's Makefile. Returns
 * the folder holding both.
 */
export function buildPrometheusOperator(): Promise<string> {
  const version = 'github.com/prometheus/common/version';
  return buildGoBinaries({
    name: 'prometheus-operator',
    version: VERSIONS.prometheusOperator,
    require: {
      [PROMETHEUS_OPERATOR_MODULE]: MODULE_VERSION,
      // the root module replaces these two with its own folders, which a requiring module does not
      // inherit; the same release of each is published on its own
      [`${PROMETHEUS_OPERATOR_MODULE}/pkg/apis/monitoring`]: MODULE_VERSION,
      [`${PROMETHEUS_OPERATOR_MODULE}/pkg/client`]: MODULE_VERSION,
    },
    packages: [
      `${PROMETHEUS_OPERATOR_MODULE}/cmd/operator`,
      `${PROMETHEUS_OPERATOR_MODULE}/cmd/prometheus-config-reloader`,
    ],
    ldflags: [
      `-X ${version}.Version=${VERSIONS.prometheusOperator}`,
      `-X ${version}.Branch=${MODULE_VERSION}`,
      `-X ${version}.BuildUser=shardgate`,
    ],
  });
}

/**
 * The folder of the operator's module at {@link VERSIONS.prometheusOperator} (downloaded if
 * needed), whose `example/prometheus-operator-crd/` holds the CRDs of that release.
 */
export async function prometheusOperatorModuleDir(): Promise<string> {
  return (await downloadGoModule(PROMETHEUS_OPERATOR_MODULE, MODULE_VERSION)).Dir;
}

/** The CRD folder inside {@link prometheusOperatorModuleDir}. */
export const CRD_FOLDER = join('example', 'prometheus-operator-crd');

/**
 * The CRDs the local cluster installs (scripts/cluster/prometheus-operator-crds.ts), by plural
 * resource name (file `monitoring.coreos.com_<name>.yaml` of {@link CRD_FOLDER}): the five the
 * Prometheus controller reads. Alertmanager, ThanosRuler, PrometheusAgent, ScrapeConfig and
 * AlertmanagerConfig stay out; the operator turns those controllers off.
 */
export const OPERATOR_CRDS = [
  'prometheuses',
  'podmonitors',
  'servicemonitors',
  'probes',
  'prometheusrules',
] as const;
