import { describe, expect, it } from 'vitest';
import { stackLayout, stackOptionsFromEnv } from '../../scripts/stack/layout.js';
import { renderGatewayConfig } from '../../scripts/stack/nginx.js';

describe('stackLayout', () => {
  it('shifts every port by the offset and keeps each stack in its own folder', () => {
    const dev = stackLayout({});
    const test = stackLayout({ name: 'test', portOffset: 100 });
    expect(dev.ports.gateway).toBe(8080);
    expect(test.ports.gateway).toBe(8180);
    expect(test.ports.pg.shard1.replica).toBe(dev.ports.pg.shard1.replica + 100);
    expect(test.dir).not.toBe(dev.dir);
    const all = (l: typeof dev) => [
      l.ports.gateway,
      l.ports.auth,
      l.ports.authMetrics,
      l.ports.api,
      l.ports.apiMetrics,
      l.ports.redis,
      l.ports.prometheus,
      l.ports.mailpitSmtp,
      l.ports.mailpitHttp,
      ...Object.values(l.ports.pg).flatMap((p) => [p.primary, p.replica]),
    ];
    expect(new Set(all(dev)).size).toBe(all(dev).length);
    expect(all(dev).filter((p) => all(test).includes(p))).toEqual([]);
  });

  it('reads its settings from the environment and rejects bad ones by name', () => {
    expect(
      stackOptionsFromEnv({ STACK_NAME: 'x', STACK_PORT_OFFSET: '7', GATEWAY_PORT: '9000' }),
    ).toEqual({
      name: 'x',
      portOffset: 7,
      gatewayPort: 9000,
    });
    expect(() => stackOptionsFromEnv({ STACK_PORT_OFFSET: 'ten' })).toThrow(/STACK_PORT_OFFSET/);
    expect(() => stackLayout({ name: '../etc' })).toThrow(/STACK_NAME/);
  });
});

describe('renderGatewayConfig', () => {
  // rendered from k8s/dev/ingress.k8s.yaml (tests/unit/ingress-*.test.ts test the renderer itself)
  const conf = renderGatewayConfig(stackLayout({ name: 'unit', portOffset: 300 }));
  const block = (start: string) =>
    conf.slice(conf.indexOf(start), conf.indexOf('\n    }', conf.indexOf(start)));

  it('copies exactly the five identity headers from /verify to the API', () => {
    const copied = [
      ...block('location /api/').matchAll(
        /auth_request_set \$authHeader\d \$upstream_http_(\w+);/g,
      ),
    ].map((m) => m[1]);
    expect(copied).toEqual([
      'x_user_id',
      'x_user_email',
      'x_user_email_verified',
      'x_user_role',
      'x_session_id',
    ]);
    for (const header of [
      'X-User-Id',
      'X-User-Email',
      'X-User-Email-Verified',
      'X-User-Role',
      'X-Session-Id',
    ]) {
      expect(conf).toMatch(new RegExp(`proxy_set_header '${header}' \\$authHeader\\d;`));
    }
  });

  it('sends /verify, on the stack auth service, a bodiless subrequest with the original URL and method', () => {
    const auth = block('location = /_external-auth-L2FwaS8-Prefix');
    expect(auth).toContain('internal;');
    expect(auth).toContain('set $target "http://shardgate-auth-8080/verify";');
    expect(auth).toContain('proxy_pass_request_body off;');
    expect(auth).toContain('proxy_set_header Content-Length "";');
    expect(auth).toContain('proxy_set_header X-Original-URL $scheme://$http_host$request_uri;');
    expect(auth).toContain('proxy_set_header X-Original-Method $request_method;');
    expect(block('upstream shardgate-auth-8080')).toContain('server 127.0.0.1:4301 max_fails=0;');
    expect(block('upstream shardgate-api-8080')).toContain('server 127.0.0.1:4302 max_fails=0;');
    expect(conf).toContain('listen 127.0.0.1:8380 default_server;');
  });

  it('puts /api behind auth_request and leaves /auth and /.well-known public', () => {
    expect(block('location /api/')).toContain('auth_request /_external-auth-L2FwaS8-Prefix;');
    expect(block('location = /api {')).toContain('auth_request /_external-auth-L2FwaQ-Exact;');
    expect(block('location /auth/')).not.toContain('auth_request');
    expect(block('location /.well-known')).not.toContain('auth_request');
  });

  it('puts the demo app /app/ behind plain /verify, redirecting a refusal to sign-in as auth-signin does', () => {
    const auth = block('location = /_external-auth-L2FwcC8-Prefix');
    expect(auth).toContain('set $target "http://shardgate-auth-8080/verify";');
    expect(auth).toContain('proxy_set_header X-Sent-From "nginx-ingress-controller";');
    const app = block('location /app/');
    expect(app).toContain('auth_request /_external-auth-L2FwcC8-Prefix;');
    expect(app).toContain(
      'error_page 401 = $scheme://$http_host/auth/signin?rd=$pass_access_scheme://$http_host$request_uri;',
    );
    expect(app).toContain("script-src 'self'");
    expect(app).not.toContain('unsafe-inline');
    // the API keeps its 401 for API clients
    expect(block('location /api/')).not.toContain('error_page');
  });
});
