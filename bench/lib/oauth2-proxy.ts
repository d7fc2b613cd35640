import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { buildGoBinaries } from '../../scripts/cluster/go-build.js';

/** The oauth2-proxy the peer benchmark measures against: the newest release the module proxy serves. */
export const OAUTH2_PROXY_VERSION = '7.15.6';
const MODULE = 'github.com/oauth2-proxy/oauth2-proxy/v7';

/**
 * Builds oauth2-proxy {@link OAUTH2_PROXY_VERSION} from its Go module (once; cached under
 * `~/.cache/shardgate/bin/`, like the cluster's binaries) and returns the binary's path.
 */
export async function buildOauth2Proxy(): Promise<string> {
  const dir = await buildGoBinaries({
    name: 'oauth2-proxy',
    version: OAUTH2_PROXY_VERSION,
    goVersion: '1.26.0',
    require: { [MODULE]: `v${OAUTH2_PROXY_VERSION}` },
    packages: [MODULE],
    ldflags: [`-X ${MODULE}/pkg/version.VERSION=v${OAUTH2_PROXY_VERSION}`],
  });
  // go names a binary after its package path, less a major-version suffix such as /v7
  return join(dir, 'oauth2-proxy');
}

/** What oauth2-proxy needs to know of the auth service. */
export interface Oauth2ProxySettings {
  readonly port: number;
  /** The issuer our access tokens carry (`iss`). */
  readonly issuer: string;
  /** Our JWKS, fetched directly from the auth service. */
  readonly jwksUrl: string;
  /** The audience our access tokens carry (`aud`): oauth2-proxy checks it as its client id. */
  readonly audience: string;
}

/**
 * The command line that makes oauth2-proxy's `/oauth2/auth` judge our bearer access tokens as
 * `/verify` does, with no browser session: `--skip-jwt-bearer-tokens` verifies an
 * `Authorization: Bearer` JWT against the issuer's keys, and answers 202 with
 * `X-Auth-Request-User` (`sub`), `-Email` and `-Groups` (our `role`), or 401. Discovery is skipped
 * because our issuer is the public gateway address; without discovery go-oidc accepts only RS256
 * unless told the algorithm, hence `--oidc-enabled-signing-alg=EdDSA`. Its logging stays at its
 * defaults (one line per request, like `/verify` with VERIFY_LOG_LEVEL=info, which run.ts sets
 * for this benchmark).
 */
export function oauth2ProxyArgs(settings: Oauth2ProxySettings): string[] {
  return [
    `--http-address=127.0.0.1:${settings.port}`,
    '--provider=oidc',
    `--oidc-issuer-url=${settings.issuer}`,
    '--skip-oidc-discovery',
    `--oidc-jwks-url=${settings.jwksUrl}`,
    '--oidc-enabled-signing-alg=EdDSA',
    `--client-id=${settings.audience}`,
    // never used: no browser flow runs, but the flags are required
    '--client-secret=unused-in-bearer-mode',
    // required at start (32 random bytes, base64url); no cookie is ever set in bearer mode
    `--cookie-secret=${randomBytes(32).toString('base64url')}`,
    '--email-domain=*',
    '--skip-jwt-bearer-tokens',
    '--set-xauthrequest',
    '--oidc-groups-claim=role',
    '--reverse-proxy',
    '--upstream=static://202',
  ];
}
