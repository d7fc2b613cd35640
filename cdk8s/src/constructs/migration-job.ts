import { Construct } from 'constructs';
import { Job } from 'kubernetes-models/batch/v1';
import { ServiceAccount } from 'kubernetes-models/v1';
import { addModel } from '../lib/add-model.js';
import { objectLabels } from '../lib/labels.js';
import { migrateContainer } from '../lib/migration-containers.js';
import { restrictedPodSecurityContext } from '../lib/restricted-security.js';
import type { ServiceDefinition } from '../lib/service-definitions.js';
import { migrationsName } from '../names.js';

/** Props of {@link MigrationJob}. */
export interface MigrationJobProps {
  /** The service whose migrations run (its image, folder and database URLs). */
  readonly service: ServiceDefinition;
  /**
   * Failed attempts before the Job gives up. Early attempts fail while Postgres is still
   * initialising; the Job's exponential back-off (10 s, 20 s, ... capped at 6 min) covers that.
   * @default 8
   */
  readonly backoffLimit?: number;
}

/** Component label of migration Job pods. */
export const MIGRATIONS_COMPONENT = 'migrations';

/**
 * One Job per service (`auth-migrations`, `api-migrations`) that applies the service's migrations
 * to every database it owns: the auth primary, or every shard primary one after another (the
 * runner stops at the first failure, so shards never drift apart silently). One Job per service
 * rather than per shard keeps the ordering rule simple: the service's pods wait for its Job.
 */
export class MigrationJob extends Construct {
  constructor(scope: Construct, id: string, props: MigrationJobProps) {
    super(scope, id);
    const backoffLimit = props.backoffLimit ?? 8;
    if (!Number.isInteger(backoffLimit) || backoffLimit < 0) {
      throw new Error(`MigrationJob ${props.service.name}: backoffLimit must be an integer >= 0`);
    }
    const name = migrationsName(props.service.name);
    const labels = objectLabels(name, MIGRATIONS_COMPONENT);

    addModel(
      this,
      new ServiceAccount({ metadata: { name, labels }, automountServiceAccountToken: false }),
    );
    addModel(
      this,
      new Job({
        metadata: { name, labels },
        spec: {
          backoffLimit,
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: name,
              automountServiceAccountToken: false,
              // Never: failed attempts stay as pods whose logs say why.
              restartPolicy: 'Never',
              securityContext: restrictedPodSecurityContext(),
              containers: [migrateContainer(props.service)],
            },
          },
        },
      }),
    );
  }
}
