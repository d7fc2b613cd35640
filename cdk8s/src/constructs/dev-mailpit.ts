import { Construct } from 'constructs';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Service, ServiceAccount } from 'kubernetes-models/v1';
import { addModel } from '../lib/add-model.js';
import { objectLabels, selectorLabels } from '../lib/labels.js';
import { restricted, restrictedPodSecurityContext } from '../lib/restricted-security.js';
import {
  MAILPIT_HTTP_PORT,
  MAILPIT_NAME,
  MAILPIT_SMTP_PORT,
  MAILPIT_TLS_SECRET,
  MAILPIT_USERS_SECRET,
} from '../names.js';

/** Props of {@link DevMailpit}. */
export interface DevMailpitProps {
  /** Pinned Mailpit image (`docker.io/axllent/mailpit:v<version>`). */
  readonly image: string;
}

/** Component label of the Mailpit pod. */
export const MAILPIT_COMPONENT = 'mail';

/** The unprivileged user of the Mailpit image (images/mailpit runs as 65532, like distroless). */
const MAILPIT_UID = 65532;

/** The Host header of the probes: one of `--allowed-hosts`. */
const LOCAL_HOST = [{ name: 'Host', value: 'localhost' }];

/** Where the Secrets are mounted in the Mailpit container. */
const TLS_DIR = '/etc/mailpit/tls';
const USERS_DIR = '/etc/mailpit/users';

/**
 * Mailpit as the dev environment's SMTP server and inbox, set up as a real relay would be: STARTTLS
 * required (certificate of {@link MAILPIT_TLS_SECRET}), authentication required (the password file
 * of {@link MAILPIT_USERS_SECRET}, the same credentials as the auth service's `auth-smtp`), so the
 * auth service's production-mode mail settings are exercised whole. Its web UI and API (`http`)
 * are admitted to no pod by the namespace's NetworkPolicies: people and the cluster suites reach
 * them through `kubectl port-forward svc/mailpit 8025`. Messages live in an emptyDir and go with
 * the pod; at most 5,000 are kept.
 */
export class DevMailpit extends Construct {
  constructor(scope: Construct, id: string, props: DevMailpitProps) {
    super(scope, id);
    if (!/:v?\d+\.\d+\.\d+$/.test(props.image)) {
      throw new Error(`DevMailpit: image must carry a pinned version tag, got ${props.image}`);
    }
    const name = MAILPIT_NAME;
    const labels = objectLabels(name, MAILPIT_COMPONENT);
    const selector = selectorLabels(name, MAILPIT_COMPONENT);

    addModel(
      this,
      new ServiceAccount({ metadata: { name, labels }, automountServiceAccountToken: false }),
    );
    addModel(
      this,
      new Deployment({
        metadata: { name, labels },
        spec: {
          replicas: 1,
          // One inbox: two pods would each hold half of the mail.
          strategy: { type: 'Recreate' },
          selector: { matchLabels: selector },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: name,
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurityContext(MAILPIT_UID),
              containers: [
                restricted(
                  {
                    name,
                    image: props.image,
                    args: [
                      `--smtp=0.0.0.0:${MAILPIT_SMTP_PORT}`,
                      `--listen=0.0.0.0:${MAILPIT_HTTP_PORT}`,
                      '--database=/data/mailpit.db',
                      '--max=5000',
                      `--smtp-tls-cert=${TLS_DIR}/tls.crt`,
                      `--smtp-tls-key=${TLS_DIR}/tls.key`,
                      '--smtp-require-starttls',
                      `--smtp-auth-file=${USERS_DIR}/smtp-users`,
                      // the inbox holds live reset links: a web page of a developer's browser
                      // must not read it through DNS rebinding onto the port-forward
                      '--allowed-hosts=localhost,127.0.0.1',
                      // no lookups of the sender's address, no call home for a newer version
                      '--smtp-disable-rdns',
                      '--disable-version-check',
                    ],
                    ports: [
                      { name: 'smtp', containerPort: MAILPIT_SMTP_PORT, protocol: 'TCP' },
                      { name: 'http', containerPort: MAILPIT_HTTP_PORT, protocol: 'TCP' },
                    ],
                    resources: {
                      requests: { cpu: '25m', memory: '32Mi' },
                      limits: { cpu: '250m', memory: '128Mi' },
                    },
                    // Mailpit opens its SMTP listener before its HTTP one. The probes name an
                    // allowed host (the kubelet's Host would be the pod's address).
                    readinessProbe: {
                      httpGet: { path: '/readyz', port: 'http', httpHeaders: LOCAL_HOST },
                      periodSeconds: 5,
                    },
                    livenessProbe: {
                      httpGet: { path: '/livez', port: 'http', httpHeaders: LOCAL_HOST },
                      periodSeconds: 10,
                    },
                    volumeMounts: [
                      { name: 'tls', mountPath: TLS_DIR, readOnly: true },
                      { name: 'users', mountPath: USERS_DIR, readOnly: true },
                      { name: 'data', mountPath: '/data' },
                      { name: 'tmp', mountPath: '/tmp' },
                    ],
                  },
                  MAILPIT_UID,
                ),
              ],
              volumes: [
                {
                  name: 'tls',
                  secret: {
                    secretName: MAILPIT_TLS_SECRET,
                    items: [
                      { key: 'tls.crt', path: 'tls.crt' },
                      { key: 'tls.key', path: 'tls.key' },
                    ],
                    defaultMode: 0o440,
                  },
                },
                {
                  name: 'users',
                  secret: { secretName: MAILPIT_USERS_SECRET, defaultMode: 0o440 },
                },
                { name: 'data', emptyDir: { sizeLimit: '256Mi' } },
                { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
              ],
            },
          },
        },
      }),
    );
    addModel(
      this,
      new Service({
        metadata: { name, labels },
        spec: {
          type: 'ClusterIP',
          selector,
          ports: [
            { name: 'smtp', port: MAILPIT_SMTP_PORT, targetPort: 'smtp', protocol: 'TCP' },
            { name: 'http', port: MAILPIT_HTTP_PORT, targetPort: 'http', protocol: 'TCP' },
          ],
        },
      }),
    );
    addModel(
      this,
      new PodDisruptionBudget({
        metadata: { name, labels },
        spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
      }),
    );
  }
}
