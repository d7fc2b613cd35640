import { Construct } from 'constructs';
import { type IJobSpec, Job } from 'kubernetes-models/batch/v1';
import { ServiceAccount } from 'kubernetes-models/v1';
import { addModel } from '../lib/add-model.js';
import { objectLabels } from '../lib/labels.js';
import { migrateContainer } from '../lib/migration-containers.js';
import { restrictedPodSecurityContext } from '../lib/restricted-security.js';
import type { ServiceDefinition } from '../lib/service-definitions.js';
import { stableHash } from '../lib/stable-hash.js';
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
  /**
   * Seconds after the Job finishes (succeeded or failed) before Kubernetes deletes it and its
   * pods. Every image gets a Job of its own name, so without a TTL old Jobs would pile up; a day
   * leaves time to read a failed run's logs.
   * @default 86400
   */
  readonly ttlSecondsAfterFinished?: number;
}

/** Component label of migration Job pods. */
export const MIGRATIONS_COMPONENT = 'migrations';

/** Hex digits of the spec hash in a migration Job's name (`auth-migrations-<hash>`). */
export const JOB_HASH_LENGTH = 8;

/**
 * One Job per service that applies the service's migrations to every database it owns: the auth
 * primary, or every shard primary one after another (the runner stops at the first failure, so
 * shards never drift apart silently). One Job per service rather than per shard keeps the ordering
 * rule simple: the service's pods wait for its migrations.
 *
 * A Job's pod template is immutable, so a fixed name would make `kubectl apply` fail on the
 * existing Job as soon as the image changes. The Job is therefore named
 * `<service>-migrations-<hash>`, the hash being the first {@link JOB_HASH_LENGTH} hex digits of the
 * SHA-256 of its spec (pod template included): a new image or command gives a new Job, which
 * runs; re-applying the same manifests changes nothing. The pods keep the stable label
 * `app.kubernetes.io/name: <service>-migrations` (NetworkPolicies and Tilt select by it), and
 * `ttlSecondsAfterFinished` removes finished Jobs.
 */
export class MigrationJob extends Construct {
  /** The synthesized Job's name, `<service>-migrations-<hash>`. */
  readonly jobName: string;

  constructor(scope: Construct, id: string, props: MigrationJobProps) {
    super(scope, id);
    const backoffLimit = props.backoffLimit ?? 8;
    const ttlSecondsAfterFinished = props.ttlSecondsAfterFinished ?? 86_400;
    for (const [prop, value] of [
      ['backoffLimit', backoffLimit],
      ['ttlSecondsAfterFinished', ttlSecondsAfterFinished],
    ] as const) {
      if (!Number.isInteger(value) || value < 0) {
        throw new Error(`MigrationJob ${props.service.name}: ${prop} must be an integer >= 0`);
      }
    }
    const name = migrationsName(props.service.name);
    const labels = objectLabels(name, MIGRATIONS_COMPONENT);

    addModel(
      this,
      new ServiceAccount({ metadata: { name, labels }, automountServiceAccountToken: false }),
    );
    const spec: IJobSpec = {
      backoffLimit,
      ttlSecondsAfterFinished,
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
    };
    this.jobName = `${name}-${stableHash(spec, JOB_HASH_LENGTH)}`;
    addModel(this, new Job({ metadata: { name: this.jobName, labels }, spec }));
  }
}
