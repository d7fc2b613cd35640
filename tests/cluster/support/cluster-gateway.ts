import { BASELINE_SECURITY_HEADERS } from '@shardgate/shared';
import { expect, inject } from 'vitest';
import { type AccountFlows, accountFlows } from '../../e2e/support/accounts.js';
import {
  type GatewayResponse,
  gatewayClient,
  IDENTITY_HEADERS,
  type Send,
} from '../../e2e/support/gateway-client.js';
import type { ClusterInfo } from './cluster-setup.js';
import { Kube } from './kube.js';

/** What a cluster suite talks to: the gateway (Traefik), accounts through it, and kubectl. */
export interface ClusterGateway {
  readonly info: ClusterInfo;
  /** Requests to Traefik through its port-forward, request targets sent byte for byte. */
  readonly send: Send;
  readonly accounts: AccountFlows;
  readonly kube: Kube;
}

/** The cluster of `inject('cluster')` as a {@link ClusterGateway}. */
export function clusterGateway(): ClusterGateway {
  const info = inject('cluster');
  const send = gatewayClient(info.gatewayUrl);
  return { info, send, accounts: accountFlows(send, 'cluster'), kube: new Kube(info) };
}

/**
 * Makes `email` an administrator with the auth service's own command in its container, as
 * docs/operations.md tells an operator to make the first one.
 */
export async function promoteToAdmin(kube: Kube, email: string): Promise<void> {
  await kube.exec('deploy/auth', ['node', 'services/auth/dist/cli/set-role.js', email, 'admin'], {
    container: 'auth',
  });
}

/** The settings of the deployed auth service the suites depend on. */
export interface DeployedAuthSettings {
  readonly REFRESH_REUSE_GRACE_SECONDS: number;
  readonly REGISTRATIONS_PER_IP: number;
  readonly LOGIN_FAILURES_PER_ACCOUNT_IP: number;
}

/**
 * The deployed auth service's settings, parsed by its own `loadAuthConfig` from its own
 * environment inside its container (ConfigMap, Secrets and defaults as the process sees them).
 */
export async function deployedAuthSettings(kube: Kube): Promise<DeployedAuthSettings> {
  const script = [
    "import { loadAuthConfig } from '/app/services/auth/dist/config.js';",
    'const c = loadAuthConfig(process.env);',
    'console.log(JSON.stringify({',
    '  REFRESH_REUSE_GRACE_SECONDS: c.REFRESH_REUSE_GRACE_SECONDS,',
    '  REGISTRATIONS_PER_IP: c.REGISTRATIONS_PER_IP,',
    '  LOGIN_FAILURES_PER_ACCOUNT_IP: c.LOGIN_FAILURES_PER_ACCOUNT_IP,',
    '}));',
  ].join('\n');
  const out = await kube.exec('deploy/auth', ['node', '--input-type=module', '-e', script], {
    container: 'auth',
  });
  return JSON.parse(out) as DeployedAuthSettings;
}

/** The problem codes `/verify` answers with (services/auth/src/routes/verify.ts). */
const DENIAL_CODES = { 401: 'invalid_token', 403: 'user_inactive' } as const;

/**
 * A denial as Traefik's forward auth delivers it: `/verify`'s own answer relayed whole (where
 * ingress-nginx serves its own HTML page, see tests/e2e/revocation.test.ts): the status, the
 * problem+json body with its stable code, `Cache-Control: no-store`, the baseline security
 * headers, the Bearer challenge on a 401 only; never an identity header, never anything of the API.
 */
export function expectTraefikDenial(res: GatewayResponse, status: 401 | 403, what = ''): void {
  const code = DENIAL_CODES[status];
  const at = what ? `${what}: ` : '';
  expect(res.status, `${at}status`).toBe(status);
  expect(res.headers['content-type'], `${at}content-type`).toBe('application/problem+json');
  expect(res.headers['cache-control'], `${at}cache-control`).toBe('no-store');
  expect(res.body, `${at}body`).toEqual({
    type: `https://shardgate.dev/problems/${code}`,
    title: status === 401 ? 'Invalid token' : 'User inactive',
    status,
    detail:
      status === 401
        ? 'The access token is missing, invalid, expired or revoked.'
        : 'The account is deactivated.',
    code,
  });
  expect(res.headers['www-authenticate'], `${at}www-authenticate`).toBe(
    status === 401 ? 'Bearer error="invalid_token"' : undefined,
  );
  for (const header of [...IDENTITY_HEADERS, 'x-shard', 'set-cookie']) {
    expect(res.headers[header], `${at}${header}`).toBeUndefined();
  }
  // Traefik relays every header of /verify's denial, and the client gets them as its answer's
  for (const [name, value] of Object.entries(BASELINE_SECURITY_HEADERS)) {
    expect(res.headers[name.toLowerCase()], `${at}${name}`).toBe(value);
  }
}
