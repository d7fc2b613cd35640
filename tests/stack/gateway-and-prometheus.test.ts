import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';

const stack = inject('stack');

describe('the nginx gateway', () => {
  it('guards /api/ with auth_request and relays the 401 with WWW-Authenticate', async () => {
    const response = await fetch(`${stack.gatewayUrl}/api/me`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });

  it('routes /auth/ and /.well-known/ to the auth service without authentication', async () => {
    // the auth service answers these itself (404 from Koa until its routes exist), not nginx's 401
    for (const path of ['/auth/nothing-here', '/.well-known/nothing-here']) {
      const response = await fetch(`${stack.gatewayUrl}${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).not.toContain('text/html');
    }
  });

  it('answers 404 for anything outside the routes, whatever the case or encoding', async () => {
    for (const path of ['/', '/API/me', '/verify', '/apix', '/metrics']) {
      const response = await fetch(`${stack.gatewayUrl}${path}`);
      expect(response.status, path).toBe(404);
    }
  });
});

describe('Prometheus', () => {
  it('scrapes both services', async () => {
    type Target = { labels: { job: string }; health: string };
    let targets: Target[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const body = (await (await fetch(`${stack.prometheusUrl}/api/v1/targets`)).json()) as {
        data: { activeTargets: Target[] };
      };
      targets = body.data.activeTargets;
      const up = new Set(targets.filter((t) => t.health === 'up').map((t) => t.labels.job));
      if (up.has('auth') && up.has('api')) break;
      await sleep(500);
    }
    expect(targets.map((t) => [t.labels.job, t.health]).sort()).toEqual([
      ['api', 'up'],
      ['auth', 'up'],
      ['prometheus', 'up'],
    ]);
  });
});
