import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { MigrationJob } from '../constructs/migration-job.js';
import type { ServiceDefinition } from '../lib/service-definitions.js';
import { NAMESPACE } from '../names.js';

/** Props of {@link MigrationsChart}. */
export interface MigrationsChartProps {
  /** Services whose migrations run, each as one Job. */
  readonly services: readonly ServiceDefinition[];
}

/**
 * The migration Jobs. They are ordered before the services not by apply order (which neither
 * kubectl nor Tilt guarantees) but by each Deployment's wait-for-migrations initContainer.
 *
 * Each Job is named after a hash of its spec (see {@link MigrationJob}), so a new image's
 * manifests carry a new Job that `kubectl apply` creates next to the old one, which its TTL removes.
 */
export class MigrationsChart extends Chart {
  constructor(scope: Construct, id: string, props: MigrationsChartProps) {
    super(scope, id, { namespace: NAMESPACE });
    for (const service of props.services) {
      new MigrationJob(this, service.name, { service });
    }
  }
}
