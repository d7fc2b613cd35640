import { join } from 'node:path';
import { buildPrometheusOperator } from '../build/prometheus-operator.js';
import { VERSIONS } from '../versions.js';
import { ensureBinaryImage } from './binary-image.js';
import type { BuiltImage } from './image-cache.js';

/** The reference k8s/dev's operator Deployment names: upstream's. */
export const PROMETHEUS_OPERATOR_IMAGE = `quay.io/prometheus-operator/prometheus-operator:v${VERSIONS.prometheusOperator}`;

/** The reference the operator gives its Prometheus pods' reloader (`--prometheus-config-reloader`). */
export const PROMETHEUS_CONFIG_RELOADER_IMAGE = `quay.io/prometheus-operator/prometheus-config-reloader:v${VERSIONS.prometheusOperator}`;

/**
 * The two images of the Prometheus Operator: `operator` and `prometheus-config-reloader` of
 * {@link buildPrometheusOperator}, each alone on an empty base (`images/prometheus-operator`,
 * `images/prometheus-config-reloader`), labelled as stand-ins. Built once per version and
 * Containerfile; one Go build serves both.
 */
export async function ensurePrometheusOperatorImages(): Promise<BuiltImage[]> {
  const buildArgs = { VERSION: VERSIONS.prometheusOperator };
  const operator = await ensureBinaryImage({
    ref: PROMETHEUS_OPERATOR_IMAGE,
    recipe: 'images/prometheus-operator',
    buildBinary: async () => join(await buildPrometheusOperator(), 'operator'),
    buildArgs,
  });
  const reloader = await ensureBinaryImage({
    ref: PROMETHEUS_CONFIG_RELOADER_IMAGE,
    recipe: 'images/prometheus-config-reloader',
    buildBinary: async () => join(await buildPrometheusOperator(), 'prometheus-config-reloader'),
    buildArgs,
  });
  return [operator, reloader];
}
