import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { DevPrometheus } from '../constructs/dev-prometheus.js';
import { NAMESPACE } from '../names.js';

/** The dev environment's Prometheus (`prometheus.k8s.yaml`; no such file in prod). */
export class PrometheusChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: NAMESPACE });
    new DevPrometheus(this, 'prometheus');
  }
}
