import type { EnvironmentConfig } from '../environments.js';
import { postgresCredentialsSecret } from '../names.js';
import { chartImage } from './chart-image.js';
import type { ImageNaming } from './image-naming.js';
import { backupStorageFor, slotWalKeepWithin } from './postgres-sizing.js';

/**
 * The values of one Postgres cluster's `postgres-shard` release in an environment (the auth
 * database or a shard): what `infrastructure.k8s.yaml` renders, and what `npm run db:restore`
 * installs a restored copy with. The database is named after the cluster and owned by `app`;
 * passwords come from the `<release>-credentials` Secret.
 */
export function postgresReleaseValues(
  env: EnvironmentConfig,
  images: ImageNaming,
  cluster: string,
): Record<string, unknown> {
  const { infrastructure } = env;
  const { repository, tag } = chartImage('postgres-shard');
  const backup = infrastructure.postgresBackup;
  return {
    image: images.thirdParty(repository, tag),
    auth: { existingSecret: postgresCredentialsSecret(cluster) },
    database: { name: cluster, user: 'app' },
    postgresConfig: {
      max_slot_wal_keep_size: slotWalKeepWithin(infrastructure.postgresStorage),
    },
    primary: {
      resources: infrastructure.postgresResources,
      persistence: { size: infrastructure.postgresStorage },
    },
    standby: {
      replicas: infrastructure.postgresStandbys,
      resources: infrastructure.postgresResources,
      persistence: { size: infrastructure.postgresStorage },
    },
    backup: backup
      ? {
          enabled: true,
          schedule: backup.schedule,
          timeZone: 'Etc/UTC',
          keep: backup.keep,
          persistence: { size: backupStorageFor(infrastructure.postgresStorage, backup.keep) },
        }
      : { enabled: false },
  };
}
