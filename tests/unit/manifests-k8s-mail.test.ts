import { describe, expect, it } from 'vitest';
import { MAILPIT_IMAGE } from '../../scripts/cluster/images/mailpit-image.js';
import { VERSIONS } from '../../scripts/cluster/versions.js';
import { environmentManifests, NS } from '../support/k8s-environment.js';
import { findObject, type Loose, podSpecOf } from '../support/k8s-manifests.js';

// How the auth service reaches its SMTP server in each environment (services/auth/src/config.ts:
// SMTP_*, MAIL_FROM) and how the dev environment's Mailpit is set up: as a real relay, STARTTLS
// and authentication required, so the production-mode settings of the auth pods run whole.

const configOf = (env: 'dev' | 'prod') =>
  findObject(environmentManifests(env).objects, 'ConfigMap', 'auth-config', NS).data as Record<
    string,
    string
  >;

describe('k8s/dev mail', () => {
  const { objects } = environmentManifests('dev');
  const authPod = podSpecOf(findObject(objects, 'Deployment', 'auth', NS)) as Loose;
  const mailpitPod = podSpecOf(findObject(objects, 'Deployment', 'mailpit', NS)) as Loose;
  const mailpit = mailpitPod.containers[0] as Loose;
  const service = findObject(objects, 'Service', 'mailpit', NS);

  it('points the auth service at the Mailpit Service with STARTTLS, trusting only its CA', () => {
    const config = configOf('dev');
    const smtpPort = service.spec.ports.find((p: Loose) => p.name === 'smtp').port;
    expect(config).toMatchObject({
      SMTP_HOST: `mailpit.${NS}.svc.cluster.local`,
      SMTP_PORT: String(smtpPort),
      SMTP_TLS: 'starttls',
      NODE_EXTRA_CA_CERTS: '/var/run/secrets/shardgate/smtp-ca/ca.crt',
    });
    expect(config.MAIL_FROM).toMatch(/<[^@<>]+@[^@<>]+>$/);
    // the CA certificate alone is mounted, never Mailpit's key
    const volume = authPod.volumes.find((v: Loose) => v.name === 'smtp-ca');
    expect(volume.secret).toMatchObject({
      secretName: 'mailpit-tls',
      items: [{ key: 'ca.crt', path: 'ca.crt' }],
    });
    const mount = authPod.containers[0].volumeMounts.find((m: Loose) => m.name === 'smtp-ca');
    expect(mount).toEqual({
      name: 'smtp-ca',
      mountPath: '/var/run/secrets/shardgate/smtp-ca',
      readOnly: true,
    });
  });

  it('runs the Mailpit stand-in the cluster builds, requiring STARTTLS and authentication', () => {
    expect(MAILPIT_IMAGE).toBe(`docker.io/axllent/mailpit:v${VERSIONS.mailpit}`);
    expect(mailpit.image).toBe(MAILPIT_IMAGE);
    expect(mailpit.args).toEqual(
      expect.arrayContaining([
        '--smtp-require-starttls',
        '--smtp-tls-cert=/etc/mailpit/tls/tls.crt',
        '--smtp-tls-key=/etc/mailpit/tls/tls.key',
        '--smtp-auth-file=/etc/mailpit/users/smtp-users',
        '--allowed-hosts=localhost,127.0.0.1',
        '--disable-version-check',
      ]),
    );
    expect(mailpit.args.join(' ')).not.toMatch(/accept-any|allow-insecure/);
    const secrets = mailpitPod.volumes
      .filter((v: Loose) => v.secret)
      .map((v: Loose) => v.secret.secretName)
      .sort();
    expect(secrets).toEqual(['mailpit-smtp-users', 'mailpit-tls']);
    expect(mailpitPod.automountServiceAccountToken).toBe(false);
    expect(mailpit.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
  });
});

describe('k8s/prod mail', () => {
  const { objects } = environmentManifests('prod');

  it('names a relay with TLS required, its credentials by reference, no extra CA, no Mailpit', () => {
    const config = configOf('prod');
    expect(config.SMTP_HOST).toBeTruthy();
    expect(['starttls', 'implicit']).toContain(config.SMTP_TLS);
    expect(config.MAIL_FROM).toBeTruthy();
    expect(config.NODE_EXTRA_CA_CERTS).toBeUndefined();
    expect(JSON.stringify(config)).not.toMatch(/SMTP_PASSWORD|SMTP_USER/);
    const authPod = podSpecOf(findObject(objects, 'Deployment', 'auth', NS)) as Loose;
    expect(authPod.containers[0].envFrom).toContainEqual({ secretRef: { name: 'auth-smtp' } });
    expect(objects.filter((o) => o.metadata.name.startsWith('mailpit'))).toEqual([]);
  });
});
