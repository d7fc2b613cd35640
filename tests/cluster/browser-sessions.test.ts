import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dev } from '../../cdk8s/src/environments.js';
import type { User } from '../e2e/support/accounts.js';
import { type CookieSession, signInWithForm } from '../e2e/support/cookie-session.js';
import { clusterGateway } from './support/cluster-gateway.js';
import {
  type GatewayProbe,
  headerValues,
  type ProbeRecord,
  startGatewayProbe,
} from './support/gateway-probe.js';

/**
 * Browser sessions through Traefik's Ingress NGINX provider (docs/browser-sessions.md): a browser
 * app's Ingress (the probe as its backend) with the real `/verify?signin=1` as auth-url and an
 * `auth-signin` Traefik v3.6 ignores. Traefik relays `/verify`'s answers, so the redirect of a
 * browser navigation and the CSRF codes reach the client as `/verify` wrote them.
 */
const { send, kube, accounts, info } = clusterGateway();

/** The port-forward's origin is not among dev's PUBLIC_ORIGINS: a redirect lands on the default. */
const DEFAULT_ORIGIN = dev.publicOrigins[0] ?? '';
const NAVIGATION = {
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  accept: 'text/html',
};

describe("a browser app's Ingress under Traefik", () => {
  let probe: GatewayProbe;
  let user: User;
  let session: CookieSession;
  const authUrl = () => `http://auth.${kube.namespace}.svc.cluster.local:8080/verify?signin=1`;

  beforeAll(async () => {
    probe = await startGatewayProbe(kube, send, [
      {
        name: 'app',
        path: '/app',
        annotations: {
          'auth-url': authUrl(),
          'auth-response-headers': 'X-User-Id,X-User-Email,X-User-Role,X-Session-Id',
          'auth-signin': 'https://$host/auth/signin',
        },
      },
    ]);
    user = await accounts.newUser();
    session = await signInWithForm(send, user, info.gatewayUrl);
  });

  afterAll(async () => {
    await probe?.close();
  });

  const page = () => `${probe.prefix}/app/orders`;

  it('a navigation without a session is redirected by /verify itself (Traefik ignores auth-signin)', async () => {
    const res = await probe.send('GET', page(), { headers: NAVIGATION });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(
      `${DEFAULT_ORIGIN}/auth/signin?rd=${encodeURIComponent(`${DEFAULT_ORIGIN}/`)}`,
    );
    expect(await probe.log(res.probeId)).toEqual([]);
  });

  it('API clients keep 401 with WWW-Authenticate: a fetch, a bearer client, a forged X-Sent-From', async () => {
    for (const headers of [
      { 'sec-fetch-mode': 'cors', accept: 'application/json' },
      { ...NAVIGATION, authorization: 'Bearer not-a-token' },
      { ...NAVIGATION, 'x-sent-from': 'nginx-ingress-controller' },
    ]) {
      const res = await probe.send('GET', page(), { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    }
  });

  it('the session cookie passes, with the identity headers of its user', async () => {
    const res = await probe.send('GET', page(), {
      headers: { ...NAVIGATION, cookie: session.cookie },
    });
    expect(res.status, res.text).toBe(200);
    const seen = headerValues((res.body.request as ProbeRecord).rawHeaders);
    expect(seen.get('x-user-id')).toEqual([user.id]);
  });

  it('CSRF: the relayed 403 carries the code; Traefik sets X-Forwarded-Method, a forged X-Original-Method changes nothing', async () => {
    const forged = await probe.send('POST', page(), {
      headers: {
        cookie: session.cookie,
        origin: 'http://evil.example',
        'x-original-method': 'GET',
      },
    });
    expect(forged.status).toBe(403);
    expect(forged.body).toMatchObject({ code: 'csrf_origin', status: 403 });
    expect(await probe.log(forged.probeId)).toEqual([]);

    const bare = await probe.send('POST', page(), { headers: { cookie: session.cookie } });
    expect(bare.body).toMatchObject({ code: 'csrf_token', status: 403 });

    const token = await probe.send('POST', page(), {
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    });
    expect(token.status, token.text).toBe(200);
  });

  it('a bearer token and the session cookie together: 401 credentials_ambiguous', async () => {
    const res = await probe.send('GET', page(), {
      token: user.accessToken,
      headers: { cookie: session.cookie },
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'credentials_ambiguous' });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_request"/);
  });
});
