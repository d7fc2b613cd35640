import type { IContainer, IResourceRequirements } from 'kubernetes-models/v1';
import { migrationEnv } from './migration-env.js';
import { restricted } from './restricted-security.js';
import type { ServiceDefinition } from './service-definitions.js';

/** The migration runner inside the images (built from services/shared/src/migrate/cli.ts). */
const MIGRATE_CLI = 'services/shared/dist/migrate/cli.js';

/** Seconds a wait-for-migrations initContainer polls before it fails and the kubelet restarts it. */
export const WAIT_TIMEOUT_SECONDS = 300;

/** Node running one short-lived pg client: small, but enough for the runtime's heap. */
const MIGRATION_RESOURCES: IResourceRequirements = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/** The container of a migration Job: applies the service's pending migrations everywhere. */
export function migrateContainer(service: ServiceDefinition): IContainer {
  return restricted({
    name: 'migrate',
    image: service.image,
    command: ['node', MIGRATE_CLI, service.migrationsDir],
    env: migrationEnv(service.migrationUrls),
    resources: MIGRATION_RESOURCES,
  });
}

/**
 * The initContainer that holds a service's pods back until its migration Job has finished on
 * every database: `--wait` polls `_prisma_migrations` and applies nothing, so a new image never
 * serves against an old schema, whatever order `kubectl apply` or Tilt creates objects in.
 */
export function waitForMigrationsContainer(service: ServiceDefinition): IContainer {
  return restricted({
    name: 'wait-for-migrations',
    image: service.image,
    command: [
      'node',
      MIGRATE_CLI,
      '--wait',
      '--timeout',
      String(WAIT_TIMEOUT_SECONDS),
      service.migrationsDir,
    ],
    env: migrationEnv(service.migrationUrls),
    resources: MIGRATION_RESOURCES,
  });
}
