import { CLUSTERS, type ClusterName, type PgRole, type StackLayout } from './layout.js';
import { mailpitUrl } from './mailpit.js';
import { pgUrl } from './postgres.js';
import { redisUrl } from './redis.js';
import type { StackSecrets } from './state.js';

/** Everything a client of a running stack needs: URLs, credentials included. Never log it whole. */
export interface StackInfo {
  readonly name: string;
  readonly dir: string;
  readonly gatewayUrl: string;
  readonly authUrl: string;
  readonly apiUrl: string;
  readonly prometheusUrl: string;
  readonly redisUrl: string;
  readonly redisPort: number;
  /** Mailpit's HTTP API, where the mail the auth service sent arrives (`/api/v1/messages`). */
  readonly mailpitUrl: string;
  /** Mailpit's SMTP port on 127.0.0.1. */
  readonly mailpitSmtpPort: number;
  readonly pg: Readonly<Record<ClusterName, Readonly<Record<PgRole, string>>>>;
}

/** Builds the {@link StackInfo} of a stack from its layout and secrets. */
export function stackInfo(layout: StackLayout, secrets: StackSecrets): StackInfo {
  const { ports } = layout;
  const pg = Object.fromEntries(
    CLUSTERS.map((cluster) => [
      cluster,
      {
        primary: pgUrl(layout, secrets, cluster, 'primary'),
        replica: pgUrl(layout, secrets, cluster, 'replica'),
      },
    ]),
  ) as StackInfo['pg'];
  return {
    name: layout.name,
    dir: layout.dir,
    gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
    authUrl: `http://127.0.0.1:${ports.auth}`,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    prometheusUrl: `http://127.0.0.1:${ports.prometheus}`,
    redisUrl: redisUrl(layout, secrets),
    redisPort: ports.redis,
    mailpitUrl: mailpitUrl(layout),
    mailpitSmtpPort: ports.mailpitSmtp,
    pg,
  };
}
