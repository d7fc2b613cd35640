import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadAuthConfig } from '../../src/config.js';

/**
 * The auth pod's shutdown fits the grace period its manifests give it (read here, not changed):
 * after the preStop sleep, SIGTERM leaves `terminationGracePeriodSeconds - preStop` for the HTTP
 * drain (SHUTDOWN_DRAIN_DELAY_MS, then up to SHUTDOWN_TIMEOUT_MS of in-flight requests) and the
 * close; the mail loop's stop runs alongside the drain from the signal on, bounded by
 * MAIL_SHUTDOWN_TIMEOUT_MS, so it must end within the drain and never lengthen the shutdown.
 */

interface ManifestObject {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  // biome-ignore lint/suspicious/noExplicitAny: the test reads a few known fields of manifests
  readonly [field: string]: any;
}

/** Time left after the drain for closing pools, Redis and the hashing process, and exiting. */
const CLOSE_MARGIN_MS = 1_000;

function authObjects(environment: 'dev' | 'prod'): ManifestObject[] {
  const file = new URL(`../../../../k8s/${environment}/auth.k8s.yaml`, import.meta.url);
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as ManifestObject);
}

describe.each(['dev', 'prod'] as const)('the auth pod of k8s/%s', (environment) => {
  const objects = authObjects(environment);
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'auth');
  const configMap = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === 'auth-config',
  );
  const pod = deployment?.spec.template.spec;
  const container = pod?.containers.find((c: { name: string }) => c.name === 'auth');
  const graceMs = Number(pod?.terminationGracePeriodSeconds) * 1000;
  const preStopMs = Number(container?.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
  // the pod's own settings, with what its Secrets would add, and mail on (the loop to stop)
  const config = loadAuthConfig({
    ...configMap?.data,
    DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/auth',
    REDIS_URL: 'redis://127.0.0.1:6379/0',
    MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64url'),
    SMTP_HOST: 'smtp.example.com',
    MAIL_FROM: 'no-reply@example.com',
  });

  it('has a grace period and a preStop sleep to read', () => {
    expect(graceMs).toBeGreaterThan(0);
    expect(preStopMs).toBeGreaterThan(0);
  });

  it('drains, stops its mail loop and closes within the grace period left after preStop', () => {
    const afterSignalMs = graceMs - preStopMs;
    const drainMs = config.SHUTDOWN_DRAIN_DELAY_MS + config.SHUTDOWN_TIMEOUT_MS;
    expect(drainMs + CLOSE_MARGIN_MS).toBeLessThanOrEqual(afterSignalMs);
    expect(config.MAIL_SHUTDOWN_TIMEOUT_MS).toBeLessThanOrEqual(drainMs);
  });

  it('bounds each SMTP wait well under that time', () => {
    const afterSignalMs = graceMs - preStopMs;
    for (const wait of [
      config.SMTP_CONNECTION_TIMEOUT_MS,
      config.SMTP_GREETING_TIMEOUT_MS,
      config.SMTP_SOCKET_TIMEOUT_MS,
    ])
      expect(wait * 3).toBeLessThanOrEqual(afterSignalMs);
  });
});
