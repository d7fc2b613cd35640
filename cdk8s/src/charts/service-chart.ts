import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { ServiceWorkload } from '../constructs/service-workload.js';
import type { ServiceSizing } from '../environments.js';
import type { ServiceDefinition } from '../lib/service-definitions.js';
import { NAMESPACE } from '../names.js';

/** Props of {@link ServiceChart}. */
export interface ServiceChartProps {
  readonly service: ServiceDefinition;
  readonly sizing: ServiceSizing;
}

/** Everything one service runs with: `auth.k8s.yaml` or `api.k8s.yaml`. */
export class ServiceChart extends Chart {
  constructor(scope: Construct, id: string, props: ServiceChartProps) {
    super(scope, id, { namespace: NAMESPACE });
    new ServiceWorkload(this, props.service.name, props);
  }
}
