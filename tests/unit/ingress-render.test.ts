import { describe, expect, it } from 'vitest';
import { ingressesFromYaml } from '../../scripts/stack/ingress-read.js';
import { type EndpointMap, renderIngressHttp } from '../../scripts/stack/ingress-render.js';
import { servicesFromYaml } from '../../scripts/stack/ingress-services.js';
import { stackLayout } from '../../scripts/stack/layout.js';
import {
  checkedNginxCommand,
  nginxPaths,
  renderGatewayNginxConfig,
} from '../../scripts/stack/nginx.js';

/**
 * The Ingresses of k8s/dev/ingress.k8s.yaml: `/.well-known` is ImplementationSpecific there, as
 * strict-validate-path-type refuses it as Prefix (the `.`).
 */
const FIXTURE = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shardgate-public
  namespace: shardgate
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths:
          - path: /auth
            pathType: Prefix
            backend: { service: { name: auth, port: { number: 8080 } } }
          - path: /.well-known
            pathType: ImplementationSpecific
            backend: { service: { name: auth, port: { number: 8080 } } }
---
apiVersion: v1
kind: Service
metadata: { name: not-an-ingress }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shardgate-api
  namespace: shardgate
  annotations:
    nginx.ingress.kubernetes.io/auth-url: http://auth.shardgate.svc.cluster.local:8080/verify
    nginx.ingress.kubernetes.io/auth-response-headers: X-User-Id,X-User-Email,X-User-Role,X-Session-Id
    nginx.ingress.kubernetes.io/proxy-body-size: 1m
    nginx.ingress.kubernetes.io/service-upstream: "true"
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths:
          - path: /api
            pathType: Prefix
            backend: { service: { name: api, port: { number: 8080 } } }
`;

/** The Services of k8s/dev/auth.k8s.yaml and api.k8s.yaml (one port, 8080, named http). */
const SERVICES = `
apiVersion: v1
kind: Service
metadata: { name: auth, namespace: shardgate }
spec:
  ports: [{ name: http, port: 8080, protocol: TCP, targetPort: http }]
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shardgate }
spec:
  ports: [{ name: http, port: 8080, protocol: TCP, targetPort: http }]
`;

const ENDPOINTS: EndpointMap = {
  auth: ['127.0.0.1:4001', '127.0.0.1:4011'],
  api: ['127.0.0.1:4002'],
};

const render = (
  yaml: string = FIXTURE,
  endpoints: EndpointMap = ENDPOINTS,
  services: string = SERVICES,
) =>
  renderIngressHttp({
    ingresses: ingressesFromYaml(yaml, 'fixture'),
    services: servicesFromYaml(services, 'services fixture'),
    endpoints,
    listen: '127.0.0.1:8080',
  });

/** The `{ ... }` block that starts at `opener` (one nesting level deep is enough here). */
function block(conf: string, opener: string): string {
  const start = conf.indexOf(`${opener} {`);
  if (start < 0) throw new Error(`no block ${opener}`);
  return conf.slice(start, conf.indexOf('\n    }', start) + 6);
}

/** The API Ingress with its annotations replaced. */
const apiWith = (annotations: Record<string, string>, extra = '') => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shardgate-api
  namespace: shardgate
  annotations: ${JSON.stringify(annotations)}
spec:
  ingressClassName: nginx
  rules:
    - ${extra}http:
        paths:
          - path: /api
            pathType: Prefix
            backend: { service: { name: api, port: { number: 8080 } } }
`;
const AUTH_URL = 'http://auth.shardgate.svc.cluster.local:8080/verify';

describe('renderIngressHttp: locations', () => {
  const conf = render();

  it('renders a Prefix path /api as location /api/ and location = /api, both protected', () => {
    expect(conf).toContain('    location /api/ {');
    expect(conf).toContain('    location = /api {');
    expect(block(conf, 'location /api/')).toContain('auth_request /_external-auth-L2FwaS8-Prefix;');
    expect(block(conf, 'location = /api')).toContain('auth_request /_external-auth-L2FwaQ-Exact;');
    expect(conf).not.toMatch(/location \/api \{/);
  });

  it('routes /auth and /.well-known to the auth upstream without auth_request', () => {
    for (const opener of ['location /auth/', 'location = /auth', 'location /.well-known']) {
      const b = block(conf, opener);
      expect(b, opener).not.toContain('auth_request');
      expect(b, opener).toContain('proxy_pass http://shardgate-auth-8080;');
    }
    expect(block(conf, 'location /api/')).toContain('proxy_pass http://shardgate-api-8080;');
  });

  it('answers 404 from the default backend for everything else', () => {
    expect(block(conf, 'location /')).toContain('return 404;');
  });

  it('sets the headers ingress-nginx sets towards the backend', () => {
    const api = block(conf, 'location /api/');
    for (const line of [
      'proxy_set_header Host $best_http_host;',
      'proxy_set_header Connection $connection_upgrade;',
      'proxy_set_header X-Request-ID $req_id;',
      'proxy_set_header X-Real-IP $remote_addr;',
      'proxy_set_header X-Forwarded-For $remote_addr;',
      'proxy_set_header X-Forwarded-Host $best_http_host;',
      'proxy_set_header X-Forwarded-Port $pass_port;',
      'proxy_set_header X-Forwarded-Proto $pass_access_scheme;',
      'proxy_set_header X-Original-Forwarded-For $http_x_forwarded_for;',
      'proxy_set_header Proxy "";',
      'proxy_next_upstream error timeout;',
      'client_max_body_size 1m;',
    ]) {
      expect(api, line).toContain(line);
    }
  });
});

describe('renderIngressHttp: external auth', () => {
  const conf = render();

  it('renders the internal auth location with the subrequest headers of the controller', () => {
    const auth = block(conf, 'location = /_external-auth-L2FwaS8-Prefix');
    for (const line of [
      'internal;',
      'proxy_pass_request_body off;',
      'proxy_set_header Content-Length "";',
      'proxy_set_header X-Forwarded-Proto "";',
      'proxy_set_header X-Request-ID $req_id;',
      'proxy_set_header Host auth.shardgate.svc.cluster.local;',
      'proxy_set_header X-Original-URL $scheme://$http_host$request_uri;',
      'proxy_set_header X-Original-Method $request_method;',
      'proxy_set_header X-Sent-From "nginx-ingress-controller";',
      'proxy_set_header X-Real-IP $remote_addr;',
      'proxy_set_header X-Forwarded-For $remote_addr;',
      'proxy_set_header X-Auth-Request-Redirect $request_uri;',
      'set $target "http://shardgate-auth-8080/verify";',
      'proxy_pass $target;',
    ]) {
      expect(auth, line).toContain(line);
    }
    // no keepalive to /verify: nginx's default "Connection: close" is left in place
    expect(auth).not.toContain('proxy_set_header Connection');
  });

  it('copies each auth-response-headers entry with an auth_request_set/proxy_set_header pair', () => {
    const api = block(conf, 'location /api/');
    const pairs = [
      ...api.matchAll(
        /auth_request_set \$authHeader(\d) \$upstream_http_(\w+);\n\s+proxy_set_header '([\w-]+)' \$authHeader(\d);/g,
      ),
    ].map((m) => [m[1], m[2], m[3], m[4]]);
    expect(pairs).toEqual([
      ['0', 'x_user_id', 'X-User-Id', '0'],
      ['1', 'x_user_email', 'X-User-Email', '1'],
      ['2', 'x_user_role', 'X-User-Role', '2'],
      ['3', 'x_session_id', 'X-Session-Id', '3'],
    ]);
    expect(api).toContain('auth_request_set $auth_cookie $upstream_http_set_cookie;');
  });

  it('balances each Service over its endpoints; the auth-url host is Service auth', () => {
    expect(block(conf, '  upstream shardgate-auth-8080')).toMatch(
      /server 127\.0\.0\.1:4001 max_fails=0;\n\s+server 127\.0\.0\.1:4011 max_fails=0;/,
    );
    expect(block(conf, '  upstream shardgate-api-8080')).toContain(
      'server 127.0.0.1:4002 max_fails=0;',
    );
    expect(conf.match(/upstream shardgate-auth-8080 \{/g)).toHaveLength(1);
  });

  it('renders a configuration nginx accepts (nginx -t)', async () => {
    const layout = stackLayout({ name: 'unit-ingress', portOffset: 1550 });
    const paths = nginxPaths(layout, `${layout.dir}/nginx`, `${layout.dir}/error.log`, 'nginx-tmp');
    const config = renderGatewayNginxConfig({
      paths,
      ingresses: ingressesFromYaml(FIXTURE, 'fixture'),
      services: servicesFromYaml(SERVICES, 'services fixture'),
      endpoints: ENDPOINTS,
      listen: '127.0.0.1:9630',
      accessLog: `${layout.dir}/access.log`,
      comment: 'unit test of the ingress renderer',
    });
    await expect(checkedNginxCommand(layout, paths, config)).resolves.toBeDefined();
  });
});

describe('renderIngressHttp: refuses what it cannot render faithfully', () => {
  const cases: [string, string, RegExp][] = [
    [
      'an unsupported annotation',
      apiWith({
        'nginx.ingress.kubernetes.io/auth-url': AUTH_URL,
        'nginx.ingress.kubernetes.io/auth-method': 'POST',
      }),
      /Ingress "shardgate-api": annotation nginx\.ingress\.kubernetes\.io\/auth-method: not supported/,
    ],
    [
      'a rewrite',
      apiWith({ 'nginx.ingress.kubernetes.io/rewrite-target': '/' }),
      /annotation nginx\.ingress\.kubernetes\.io\/rewrite-target: not supported/,
    ],
    [
      'a configuration snippet',
      apiWith({ 'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers "A: b";' }),
      /configuration-snippet: snippets are refused/,
    ],
    [
      'an auth snippet',
      apiWith({
        'nginx.ingress.kubernetes.io/auth-url': AUTH_URL,
        'nginx.ingress.kubernetes.io/auth-snippet': 'proxy_set_header A b;',
      }),
      /auth-snippet: snippets are refused/,
    ],
    [
      'an empty auth-url (the controller would silently drop auth)',
      apiWith({ 'nginx.ingress.kubernetes.io/auth-url': ' ' }),
      /auth-url: empty value/,
    ],
    [
      'an auth-url with characters the controller refuses',
      apiWith({ 'nginx.ingress.kubernetes.io/auth-url': `${AUTH_URL};return 200` }),
      /auth-url: invalid value/,
    ],
    [
      'an auth-url that is not a URL',
      apiWith({ 'nginx.ingress.kubernetes.io/auth-url': 'auth/verify' }),
      /auth-url: "auth\/verify" is not a URL/,
    ],
    [
      'an auth-url outside the cluster',
      apiWith({ 'nginx.ingress.kubernetes.io/auth-url': 'http://auth.example.com/verify' }),
      /auth-url: host auth\.example\.com is not an in-cluster Service name/,
    ],
    [
      'an auth-url in another namespace',
      apiWith({
        'nginx.ingress.kubernetes.io/auth-url': 'http://auth.other.svc.cluster.local/verify',
      }),
      /namespace other is not the Ingress's namespace shardgate/,
    ],
    [
      'an auth-url with a bare <service>.<namespace> host (nginx ignores resolv.conf search domains)',
      apiWith({ 'nginx.ingress.kubernetes.io/auth-url': 'http://auth.shardgate:8080/verify' }),
      /auth-url: host auth\.shardgate is not an in-cluster Service name/,
    ],
    [
      'an auth-url with a <service>.<namespace>.svc host',
      apiWith({ 'nginx.ingress.kubernetes.io/auth-url': 'http://auth.shardgate.svc:8080/verify' }),
      /auth-url: host auth\.shardgate\.svc is not an in-cluster Service name/,
    ],
    [
      'an auth-url naming a Service the manifests do not have',
      apiWith({
        'nginx.ingress.kubernetes.io/auth-url':
          'http://nope.shardgate.svc.cluster.local:8080/verify',
      }),
      /auth-url: Service "nope" is not in the manifests \(namespace shardgate\); in a cluster every protected request would get 500/,
    ],
    [
      'an auth-url on a port the Service does not expose',
      apiWith({
        'nginx.ingress.kubernetes.io/auth-url':
          'http://auth.shardgate.svc.cluster.local:9464/verify',
      }),
      /auth-url: port 9464 is not a port of Service "auth" \(its ports: 8080 \(http\)\)/,
    ],
    [
      'an auth-url without a port (80) when the Service has no port 80',
      apiWith({
        'nginx.ingress.kubernetes.io/auth-url': 'http://auth.shardgate.svc.cluster.local/verify',
      }),
      /auth-url: port 80 is not a port of Service "auth"/,
    ],
    [
      'a backend Service the manifests do not have',
      apiWith({}).replace('name: api,', 'name: apis,'),
      /Ingress "shardgate-api" path \/api: backend Service "apis" is not in the manifests \(namespace shardgate\); in a cluster the path would answer 503/,
    ],
    [
      'a backend port.number the Service does not have',
      apiWith({}).replace('number: 8080', 'number: 80'),
      /Ingress "shardgate-api" path \/api: backend port\.number 80 is not a port of Service "api" \(its ports: 8080 \(http\)\); in a cluster the path would answer 503/,
    ],
    [
      'a backend port.name the Service does not have',
      apiWith({}).replace('number: 8080', 'name: web'),
      /path \/api: backend port\.name web is not a port of Service "api"/,
    ],
    [
      'an invalid response header name',
      apiWith({
        'nginx.ingress.kubernetes.io/auth-url': AUTH_URL,
        'nginx.ingress.kubernetes.io/auth-response-headers': 'X-User-Id,X-User:Email',
      }),
      /auth-response-headers: invalid value/,
    ],
    [
      'auth-response-headers without auth-url',
      apiWith({ 'nginx.ingress.kubernetes.io/auth-response-headers': 'X-User-Id' }),
      /auth-response-headers: set without auth-url/,
    ],
    [
      'an invalid proxy-body-size',
      apiWith({ 'nginx.ingress.kubernetes.io/proxy-body-size': '1 tb' }),
      /proxy-body-size: invalid size/,
    ],
    [
      'a service-upstream that is not a boolean',
      apiWith({ 'nginx.ingress.kubernetes.io/service-upstream': 'yes' }),
      /service-upstream: "yes" is not a boolean/,
    ],
    [
      'a rule with a host',
      apiWith({}, 'host: api.example.com\n      '),
      /rules with a host \(api\.example\.com\) are not supported/,
    ],
    [
      'another IngressClass',
      apiWith({}).replace('ingressClassName: nginx', 'ingressClassName: traefik'),
      /ingressClassName is "traefik"/,
    ],
    [
      'a path strict-validate-path-type denies',
      apiWith({}).replace('path: /api', 'path: /.well-known'),
      /path \/\.well-known cannot be used with pathType Prefix/,
    ],
  ];
  it.each(cases)('throws on %s', (_what, yaml, message) => {
    expect(() => render(yaml)).toThrow(message);
  });

  it('throws on a backend Service that has no endpoints', () => {
    expect(() => render(FIXTURE, { auth: ['127.0.0.1:4001'] })).toThrow(
      /Ingress "shardgate-api" path \/api: Service "api" has no local endpoints/,
    );
  });

  it('throws on an auth-url Service that has no endpoints', () => {
    expect(() =>
      render(apiWith({ 'nginx.ingress.kubernetes.io/auth-url': AUTH_URL }), {
        api: ['127.0.0.1:4002'],
      }),
    ).toThrow(
      /Ingress "shardgate-api" auth-url http:\/\/auth\.shardgate\.svc\.cluster\.local:8080\/verify: Service "auth" has no local endpoints/,
    );
  });

  it('accepts a backend that names its Service port, and an auth-url on port 80 of a Service', () => {
    const services = `${SERVICES}---
apiVersion: v1
kind: Service
metadata: { name: verifier, namespace: shardgate }
spec:
  ports: [{ name: http, port: 80 }, { name: metrics, port: 9464 }]
`;
    const yaml = apiWith({
      'nginx.ingress.kubernetes.io/auth-url': 'http://verifier.shardgate.svc.cluster.local/verify',
    }).replace('number: 8080', 'name: http');
    const conf = render(yaml, { ...ENDPOINTS, verifier: ['127.0.0.1:4003'] }, services);
    expect(block(conf, 'location /api/')).toContain('proxy_pass http://shardgate-api-http;');
    expect(block(conf, 'location = /_external-auth-L2FwaS8-Prefix')).toContain(
      'set $target "http://shardgate-verifier-80/verify";',
    );
    expect(block(conf, '  upstream shardgate-verifier-80')).toContain(
      'server 127.0.0.1:4003 max_fails=0;',
    );
  });

  it('throws on two Ingresses claiming the same location', () => {
    expect(() =>
      render(`${apiWith({})}---${apiWith({}).replace('shardgate-api', 'other')}`),
    ).toThrow(/both claim location \/api\//);
  });
});
