import { Construct } from 'constructs';
import { CronJob } from 'kubernetes-models/batch/v1';
import { ServiceAccount } from 'kubernetes-models/v1';
import { addModel } from '../lib/add-model.js';
import { objectLabels } from '../lib/labels.js';
import { restricted, restrictedPodSecurityContext } from '../lib/restricted-security.js';
import type { ServiceDefinition } from '../lib/service-definitions.js';
import { databaseSecret } from '../names.js';

/** Component label of the cleanup pods (NetworkPolicies admit them to the auth database by it). */
export const CLEANUP_COMPONENT = 'cleanup';

/** Name of the CronJob, its ServiceAccount and its pods' `app.kubernetes.io/name`. */
export const CLEANUP_NAME = 'auth-cleanup';

/** The command inside the auth image (built from services/auth/src/cli/cleanup.ts). */
const CLEANUP_CLI = 'services/auth/dist/cli/cleanup.js';

/** Props of {@link CleanupCronJob}. */
export interface CleanupCronJobProps {
  /** The auth service: its image and its database Secret. */
  readonly service: ServiceDefinition;
  /**
   * Cron schedule, UTC. Hourly keeps each run small (an hour of expired rows) and the tables near
   * their live size. @default '17 * * * *'
   */
  readonly schedule?: string;
}

/**
 * The auth database's cleanup, hourly: expired sessions and refresh tokens, sessions revoked more
 * than a week ago, old run records (services/auth/src/cli/cleanup.ts). `concurrencyPolicy: Forbid`
 * keeps Kubernetes from starting a run while one is active, and the job takes a Postgres advisory
 * lock as well, for what Forbid cannot see (a run started by hand, a second cluster). The pod gets
 * the database URL and nothing else: no signing keys, no Redis, no API token.
 */
export class CleanupCronJob extends Construct {
  constructor(scope: Construct, id: string, props: CleanupCronJobProps) {
    super(scope, id);
    const labels = objectLabels(CLEANUP_NAME, CLEANUP_COMPONENT);
    addModel(
      this,
      new ServiceAccount({
        metadata: { name: CLEANUP_NAME, labels },
        automountServiceAccountToken: false,
      }),
    );
    addModel(
      this,
      new CronJob({
        metadata: { name: CLEANUP_NAME, labels },
        spec: {
          schedule: props.schedule ?? '17 * * * *',
          timeZone: 'Etc/UTC',
          concurrencyPolicy: 'Forbid',
          // a run missed by more than this (controller down) waits for the next hour
          startingDeadlineSeconds: 600,
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            metadata: { labels },
            spec: {
              backoffLimit: 2,
              // a run that hangs (a lock it waits for) ends before the next one is due
              activeDeadlineSeconds: 1_800,
              ttlSecondsAfterFinished: 86_400,
              template: {
                metadata: { labels },
                spec: {
                  serviceAccountName: CLEANUP_NAME,
                  automountServiceAccountToken: false,
                  restartPolicy: 'Never',
                  securityContext: restrictedPodSecurityContext(),
                  containers: [
                    restricted({
                      name: 'cleanup',
                      image: props.service.image,
                      command: ['node', CLEANUP_CLI],
                      env: [
                        {
                          name: 'DATABASE_URL',
                          valueFrom: {
                            secretKeyRef: { name: databaseSecret('auth'), key: 'DATABASE_URL' },
                          },
                        },
                      ],
                      resources: {
                        requests: { cpu: '20m', memory: '64Mi' },
                        limits: { cpu: '500m', memory: '128Mi' },
                      },
                    }),
                  ],
                },
              },
            },
          },
        },
      }),
    );
  }
}
