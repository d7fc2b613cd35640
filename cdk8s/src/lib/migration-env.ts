import type { IEnvVar } from 'kubernetes-models/v1';
import type { SecretUrlRef } from './service-definitions.js';

/**
 * The environment of the migration runner (`services/shared/src/migrate/cli.ts`): each primary's
 * URL from its Secret key, then `DATABASE_URLS` composed of them with Kubernetes' `$(VAR)`
 * expansion, so no extra Secret holding a joined list is needed.
 */
export function migrationEnv(urls: readonly SecretUrlRef[]): IEnvVar[] {
  if (urls.length === 0) throw new Error('migrationEnv: at least one database URL is required');
  return [
    ...urls.map(({ secret, key }) => ({
      name: key,
      valueFrom: { secretKeyRef: { name: secret, key } },
    })),
    { name: 'DATABASE_URLS', value: urls.map(({ key }) => `$(${key})`).join(',') },
  ];
}
