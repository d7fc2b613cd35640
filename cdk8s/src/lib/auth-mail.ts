import type { IVolume, IVolumeMount } from 'kubernetes-models/v1';
import type { MailSettings, SmtpServer } from '../environments.js';
import {
  MAILPIT_NAME,
  MAILPIT_SMTP_PORT,
  MAILPIT_TLS_SECRET,
  SMTP_CA_DIR,
  SMTP_CREDENTIALS_SECRET,
  serviceHost,
} from '../names.js';

/** The SMTP server the settings name; `mailpit` is the namespace's own Mailpit. */
export function smtpServerOf(mail: MailSettings): SmtpServer {
  if (mail.smtp !== 'mailpit') return mail.smtp;
  return {
    host: serviceHost(MAILPIT_NAME),
    port: MAILPIT_SMTP_PORT,
    tls: 'starttls',
    trustedCa: { secret: MAILPIT_TLS_SECRET, key: 'ca.crt' },
  };
}

/** What the auth Deployment gets for mail: settings, the credentials Secret, the CA's volume. */
export interface AuthMailWiring {
  readonly config: Readonly<Record<string, string>>;
  readonly secretEnvFrom: readonly string[];
  readonly volumes: readonly IVolume[];
  readonly volumeMounts: readonly IVolumeMount[];
}

/**
 * The auth service's mail settings (`SMTP_HOST`, `SMTP_PORT`, `SMTP_TLS`, `MAIL_FROM`), its
 * credentials through the Secret {@link SMTP_CREDENTIALS_SECRET}, and, for a server whose CA is
 * not a public one, that CA's certificate alone (never a key) mounted where `NODE_EXTRA_CA_CERTS`
 * points: Node.js then trusts it besides its own list, for this process only. Certificates are
 * always verified.
 */
export function authMailWiring(mail: MailSettings): AuthMailWiring {
  const server = smtpServerOf(mail);
  const ca = server.trustedCa;
  return {
    config: {
      SMTP_HOST: server.host,
      ...(server.port === undefined ? {} : { SMTP_PORT: String(server.port) }),
      SMTP_TLS: server.tls,
      MAIL_FROM: mail.from,
      ...(ca ? { NODE_EXTRA_CA_CERTS: `${SMTP_CA_DIR}/ca.crt` } : {}),
    },
    secretEnvFrom: [SMTP_CREDENTIALS_SECRET],
    volumes: ca
      ? [
          {
            name: 'smtp-ca',
            secret: {
              secretName: ca.secret,
              items: [{ key: ca.key, path: 'ca.crt' }],
              defaultMode: 0o444,
            },
          },
        ]
      : [],
    volumeMounts: ca ? [{ name: 'smtp-ca', mountPath: SMTP_CA_DIR, readOnly: true }] : [],
  };
}
