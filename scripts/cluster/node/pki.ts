import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCommand } from '../command.js';
import { API_SERVER_URL, CONTEXT_NAME, NETWORK, NODE_NAME } from '../layout.js';

/** A certificate signed by the cluster's CA. */
interface CertificateSpec {
  /** File stem: `<name>.crt` and `<name>.key`. */
  readonly name: string;
  readonly commonName: string;
  /** The groups of a client identity (`O=`), e.g. `system:nodes`. */
  readonly organizations?: readonly string[];
  readonly usage: 'client' | 'server';
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

/**
 * The client identities of the cluster: each component authenticates with its own certificate
 * and gets only what Kubernetes' built-in roles (or an add-on's own ClusterRole) give that name.
 */
export const CLIENT_IDENTITIES = {
  admin: { commonName: 'shardgate-admin', organizations: ['system:masters'] },
  'kube-controller-manager': { commonName: 'system:kube-controller-manager' },
  'kube-scheduler': { commonName: 'system:kube-scheduler' },
  kubelet: { commonName: `system:node:${NODE_NAME}`, organizations: ['system:nodes'] },
  'kube-proxy': { commonName: 'system:kube-proxy' },
  // The API server's identity towards the kubelet (logs, exec, port-forward).
  'apiserver-kubelet-client': {
    commonName: 'kube-apiserver-kubelet-client',
    organizations: ['system:masters'],
  },
  'network-policy': { commonName: 'shardgate:network-policy' },
} as const satisfies Record<string, { commonName: string; organizations?: readonly string[] }>;
export type ClientIdentity = keyof typeof CLIENT_IDENTITIES;

const SERVING_CERTIFICATES: readonly CertificateSpec[] = [
  {
    name: 'apiserver',
    commonName: 'kube-apiserver',
    usage: 'server',
    dnsNames: [
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      `kubernetes.default.svc.${NETWORK.clusterDomain}`,
      'localhost',
    ],
    ipAddresses: [NETWORK.nodeAddress, NETWORK.apiServiceAddress, '127.0.0.1'],
  },
  {
    name: 'kubelet-serving',
    commonName: NODE_NAME,
    usage: 'server',
    dnsNames: [NODE_NAME, 'localhost'],
    ipAddresses: [NETWORK.nodeAddress, '127.0.0.1'],
  },
];

/** `openssl req` with a new, unencrypted EC P-256 key. */
const NEW_KEY_REQUEST = [
  'req',
  '-new',
  '-nodes',
  '-newkey',
  'ec',
  '-pkeyopt',
  'ec_paramgen_curve:P-256',
];

/**
 * Creates the cluster's certificate authority, every serving and client certificate, and the
 * service-account signing key in `pkiDir` (private keys mode 0600). EC P-256 throughout: fast to
 * make, accepted by every component.
 */
export async function createPki(pkiDir: string): Promise<void> {
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const ca = { crt: join(pkiDir, 'ca.crt'), key: join(pkiDir, 'ca.key') };
  if (!existsSync(ca.crt)) {
    await runCommand('openssl', [
      ...NEW_KEY_REQUEST,
      '-x509',
      '-keyout',
      ca.key,
      '-out',
      ca.crt,
      '-days',
      '3650',
      '-subj',
      '/CN=shardgate-local-ca',
    ]);
    chmodSync(ca.key, 0o600);
  }
  const clients: CertificateSpec[] = Object.entries(CLIENT_IDENTITIES).map(([name, identity]) => ({
    name,
    usage: 'client',
    ...identity,
  }));
  for (const spec of [...SERVING_CERTIFICATES, ...clients]) await issue(pkiDir, ca, spec);
  const saKey = join(pkiDir, 'service-accounts.key');
  if (!existsSync(saKey)) {
    await runCommand('openssl', [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      saKey,
    ]);
    chmodSync(saKey, 0o600);
    await runCommand('openssl', [
      'pkey',
      '-in',
      saKey,
      '-pubout',
      '-out',
      join(pkiDir, 'service-accounts.pub'),
    ]);
  }
}

async function issue(
  pkiDir: string,
  ca: { crt: string; key: string },
  spec: CertificateSpec,
): Promise<void> {
  const crt = join(pkiDir, `${spec.name}.crt`);
  const key = join(pkiDir, `${spec.name}.key`);
  if (existsSync(crt)) return;
  const csr = join(pkiDir, `${spec.name}.csr`);
  const extensions = join(pkiDir, `${spec.name}.ext`);
  const subject = [
    ...(spec.organizations ?? []).map((o) => `/O=${o}`),
    `/CN=${spec.commonName}`,
  ].join('');
  await runCommand('openssl', [...NEW_KEY_REQUEST, '-keyout', key, '-out', csr, '-subj', subject]);
  chmodSync(key, 0o600);
  const altNames = [
    ...(spec.dnsNames ?? []).map((d) => `DNS:${d}`),
    ...(spec.ipAddresses ?? []).map((ip) => `IP:${ip}`),
  ];
  writeFileSync(
    extensions,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${spec.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
      ...(altNames.length > 0 ? [`subjectAltName=${altNames.join(',')}`] : []),
      '',
    ].join('\n'),
  );
  await runCommand('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.crt,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    '365',
    '-sha256',
    '-extfile',
    extensions,
    '-out',
    crt,
  ]);
}

/**
 * Writes a self-contained kubeconfig (certificates embedded) for a client identity, with one
 * context named {@link CONTEXT_NAME}. `server` defaults to the node's address, which the host and
 * every process in the node reach.
 */
export function writeKubeconfig(
  pkiDir: string,
  identity: ClientIdentity,
  path: string,
  server: string = API_SERVER_URL,
): void {
  const b64 = (file: string) => readFileSync(join(pkiDir, file)).toString('base64');
  const user = CLIENT_IDENTITIES[identity].commonName;
  const yaml = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `  - name: ${CONTEXT_NAME}`,
    '    cluster:',
    `      server: ${server}`,
    `      certificate-authority-data: ${b64('ca.crt')}`,
    'users:',
    `  - name: ${JSON.stringify(user)}`,
    '    user:',
    `      client-certificate-data: ${b64(`${identity}.crt`)}`,
    `      client-key-data: ${b64(`${identity}.key`)}`,
    'contexts:',
    `  - name: ${CONTEXT_NAME}`,
    '    context:',
    `      cluster: ${CONTEXT_NAME}`,
    `      user: ${JSON.stringify(user)}`,
    `current-context: ${CONTEXT_NAME}`,
    '',
  ].join('\n');
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, yaml, { mode: 0o600 });
}
