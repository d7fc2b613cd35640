import type { ExternalAuth } from './ingress-annotations.js';
import {
  authLocationPath,
  buildLocations,
  type GatewayLocation,
  upstreamName,
} from './ingress-locations.js';
import type { IngressObject } from './ingress-read.js';
import {
  describePorts,
  findService,
  hasServicePort,
  type ServiceObject,
} from './ingress-services.js';

/** Service name → the `host:port` endpoints of its pods (an nginx upstream balances over them). */
export type EndpointMap = Readonly<Record<string, readonly string[]>>;

/** Options of {@link renderIngressHttp}. */
export interface IngressRenderOptions {
  readonly ingresses: readonly IngressObject[];
  /**
   * The Services of the same manifests: every backend and the auth-url must name an existing
   * Service and one of its ports, as they must in a cluster.
   */
  readonly services: readonly ServiceObject[];
  /** The local endpoints of each Service, whatever its port (one process serves them all). */
  readonly endpoints: EndpointMap;
  /** The `listen` address of the catch-all server, e.g. `127.0.0.1:8080`. */
  readonly listen: string;
  /** Locations of the catch-all server that no Ingress makes (the local demo app), verbatim. */
  readonly extraLocations?: string;
}

// ingress-nginx ConfigMap defaults (controller v1.15.1) that shape the rendered directives
const DEFAULTS = {
  proxyBodySize: '1m',
  proxyConnectTimeout: '5s',
  proxySendTimeout: '60s',
  proxyReadTimeout: '60s',
  proxyBufferSize: '4k',
  proxyBuffersNumber: 4,
  proxyNextUpstream: 'error timeout',
  proxyNextUpstreamTimeout: 0,
  proxyNextUpstreamTries: 3,
  upstreamKeepaliveConnections: 320,
  upstreamKeepaliveTime: '1h',
  upstreamKeepaliveTimeout: '60s',
  upstreamKeepaliveRequests: 10000,
  keepAlive: '75s',
  keepAliveRequests: 1000,
} as const;

const ENDPOINT = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;

/** nginx's variable for a response header of the auth subrequest. */
const upstreamHeaderVariable = (header: string) =>
  `$upstream_http_${header.toLowerCase().replaceAll('-', '_')}`;

/** A Service's endpoints, or a clear error naming who needs them. */
function endpointsOf(endpoints: EndpointMap, service: string, neededBy: string): readonly string[] {
  const list = Object.hasOwn(endpoints, service) ? endpoints[service] : undefined;
  if (list === undefined) {
    throw new Error(
      `${neededBy}: Service "${service}" has no local endpoints (known: ${Object.keys(endpoints).join(', ') || 'none'})`,
    );
  }
  if (list.length === 0)
    throw new Error(`${neededBy}: Service "${service}" has an empty endpoint list`);
  for (const endpoint of list) {
    if (!ENDPOINT.test(endpoint)) {
      throw new Error(
        `Service "${service}": endpoint ${JSON.stringify(endpoint)} is not host:port`,
      );
    }
  }
  return list;
}

/**
 * The Service of the backend of `location`, checked against the manifests: in a cluster a
 * backend Service that does not exist, or a `port.number`/`port.name` it does not have, leaves
 * the path without endpoints and the controller answers 503.
 */
function checkBackend(location: GatewayLocation, services: readonly ServiceObject[]): void {
  const where = `Ingress "${location.ingress}" path ${location.ingressPath}`;
  const service = findService(services, location.namespace, location.service);
  if (!service) {
    throw new Error(
      `${where}: backend Service "${location.service}" is not in the manifests ` +
        `(namespace ${location.namespace}); in a cluster the path would answer 503`,
    );
  }
  if (!hasServicePort(service, location.servicePort)) {
    const port =
      typeof location.servicePort === 'number'
        ? `port.number ${location.servicePort}`
        : `port.name ${location.servicePort}`;
    throw new Error(
      `${where}: backend ${port} is not a port of Service "${service.name}" ` +
        `(its ports: ${describePorts(service)}); in a cluster the path would answer 503`,
    );
  }
}

// <service>.<namespace>.svc.cluster.local: nginx resolves the auth-url itself at request time,
// and its resolver ignores the search domains of /etc/resolv.conf, so the shorter forms that work
// from a pod (`auth.shardgate`, `auth.shardgate.svc`) do not resolve in the controller
// (kubernetes/ingress-nginx#1317, #3665)
const CLUSTER_SERVICE_HOST = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/;

/**
 * The Service an auth-url names, checked against the manifests: its host must be the cluster DNS
 * name of an existing Service of the Ingress's namespace (the endpoint map is keyed by Service
 * name only), and its port (80 when the URL has none) one of that Service's ports. In a cluster
 * any of these mistakes makes every request of the protected paths a 500.
 */
function authService(
  auth: ExternalAuth,
  location: GatewayLocation,
  services: readonly ServiceObject[],
): string {
  const where = `Ingress "${location.ingress}": annotation nginx.ingress.kubernetes.io/auth-url`;
  const consequence = 'in a cluster every protected request would get 500';
  const match = CLUSTER_SERVICE_HOST.exec(auth.hostname);
  if (!match) {
    throw new Error(
      `${where}: host ${auth.hostname} is not an in-cluster Service name ` +
        '(<service>.<namespace>.svc.cluster.local; nginx does not use the resolv.conf search ' +
        `domains, so shorter names do not resolve); ${consequence}`,
    );
  }
  const [, name = '', namespace = ''] = match;
  if (namespace !== location.namespace) {
    throw new Error(
      `${where}: Service namespace ${namespace} is not the Ingress's namespace ${location.namespace}`,
    );
  }
  const service = findService(services, namespace, name);
  if (!service) {
    throw new Error(
      `${where}: Service "${name}" is not in the manifests (namespace ${namespace}); ${consequence}`,
    );
  }
  if (!hasServicePort(service, auth.port)) {
    throw new Error(
      `${where}: port ${auth.port} is not a port of Service "${name}" ` +
        `(its ports: ${describePorts(service)}); ${consequence}`,
    );
  }
  return name;
}

interface Upstream {
  readonly name: string;
  readonly servers: readonly string[];
}

function renderUpstream(upstream: Upstream): string {
  // max_fails=0: the controller's Lua balancer does no passive health marking; a failed attempt
  // goes to the next endpoint (proxy_next_upstream), as it does there
  return `  upstream ${upstream.name} {
${upstream.servers.map((server) => `    server ${server} max_fails=0;`).join('\n')}
    keepalive ${DEFAULTS.upstreamKeepaliveConnections};
    keepalive_time ${DEFAULTS.upstreamKeepaliveTime};
    keepalive_timeout ${DEFAULTS.upstreamKeepaliveTimeout};
    keepalive_requests ${DEFAULTS.upstreamKeepaliveRequests};
  }
`;
}

/** What the external-auth subrequest of one protected location depends on. */
export type AuthSubrequestLocation = Pick<GatewayLocation, 'path' | 'pathType' | 'upstream'> & {
  readonly annotations: Pick<GatewayLocation['annotations'], 'proxyBodySize'>;
};

/**
 * The internal location of `location`'s `auth_request` subrequest, as ingress-nginx renders it for
 * `auth-url`: `Host` from the URL, `target` its full address on our upstream.
 */
export function renderAuthLocation(
  location: AuthSubrequestLocation,
  auth: Pick<ExternalAuth, 'hostname'>,
  target: string,
): string {
  const bodySize = location.annotations.proxyBodySize ?? DEFAULTS.proxyBodySize;
  return `    location = ${authLocationPath(location)} {
      internal;
      access_log off;
      set $proxy_upstream_name "${location.upstream}";

      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Forwarded-Proto "";
      proxy_set_header X-Request-ID $req_id;

      proxy_set_header Host ${auth.hostname};
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Sent-From "nginx-ingress-controller";
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Auth-Request-Redirect $request_uri;

      proxy_buffering off;
      proxy_buffer_size ${DEFAULTS.proxyBufferSize};
      proxy_buffers ${DEFAULTS.proxyBuffersNumber} ${DEFAULTS.proxyBufferSize};
      proxy_request_buffering on;
      proxy_ssl_server_name on;
      proxy_pass_request_headers on;
      client_max_body_size ${bodySize};

      # no auth-keepalive: HTTP/1.1 with nginx's default "Connection: close", a new connection each time
      proxy_http_version 1.1;
      set $target "${target}";
      proxy_pass $target;
    }
`;
}

function renderLocation(location: GatewayLocation): string {
  const auth = location.annotations.externalAuth;
  const bodySize = location.annotations.proxyBodySize ?? DEFAULTS.proxyBodySize;
  const modifier = location.pathType === 'Exact' ? '= ' : '';
  const authLines = auth
    ? `
      # this location requires authentication
      auth_request ${authLocationPath(location)};
      auth_request_set $auth_cookie $upstream_http_set_cookie;
      add_header Set-Cookie $auth_cookie;
${auth.responseHeaders
  .flatMap((header, i) => [
    `      auth_request_set $authHeader${i} ${upstreamHeaderVariable(header)};`,
    `      proxy_set_header '${header}' $authHeader${i};`,
  ])
  .join('\n')}
`
    : '';
  return `    location ${modifier}${location.path} {
      set $namespace "${location.namespace}";
      set $ingress_name "${location.ingress}";
      set $service_name "${location.service}";
      set $service_port "${location.servicePort}";
      set $location_path "${location.ingressPath}";
      set $proxy_upstream_name "${location.upstream}";

      port_in_redirect off;
      set $pass_access_scheme $scheme;
      set $pass_server_port $server_port;
      set $best_http_host $http_host;
      set $pass_port $pass_server_port;
${authLines}
      client_max_body_size ${bodySize};

      proxy_set_header Host $best_http_host;
      # Allow websocket connections
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Request-ID $req_id;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Host $best_http_host;
      proxy_set_header X-Forwarded-Port $pass_port;
      proxy_set_header X-Forwarded-Proto $pass_access_scheme;
      proxy_set_header X-Forwarded-Scheme $pass_access_scheme;
      proxy_set_header X-Scheme $pass_access_scheme;
      # Pass the original X-Forwarded-For
      proxy_set_header X-Original-Forwarded-For $http_x_forwarded_for;
      # mitigate HTTPoxy Vulnerability
      proxy_set_header Proxy "";

      proxy_connect_timeout ${DEFAULTS.proxyConnectTimeout};
      proxy_send_timeout ${DEFAULTS.proxySendTimeout};
      proxy_read_timeout ${DEFAULTS.proxyReadTimeout};

      proxy_buffering off;
      proxy_buffer_size ${DEFAULTS.proxyBufferSize};
      proxy_buffers ${DEFAULTS.proxyBuffersNumber} ${DEFAULTS.proxyBufferSize};
      proxy_max_temp_file_size 1024m;
      proxy_request_buffering on;
      proxy_http_version 1.1;
      proxy_cookie_domain off;
      proxy_cookie_path off;

      # In case of errors try the next upstream server before returning an error
      proxy_next_upstream ${DEFAULTS.proxyNextUpstream};
      proxy_next_upstream_timeout ${DEFAULTS.proxyNextUpstreamTimeout};
      proxy_next_upstream_tries ${DEFAULTS.proxyNextUpstreamTries};

      proxy_pass http://${location.upstream};
      proxy_redirect off;
    }
`;
}

/**
 * Renders the `http`-block content ingress-nginx (controller v1.15.1, nginx.tmpl) produces for
 * `ingresses`: the maps it relies on, one upstream per Service port over the given local
 * endpoints, and the catch-all server with, per path, the internal external-auth location, the
 * protected location (`auth_request` plus an `auth_request_set`/`proxy_set_header` pair per
 * `auth-response-headers` entry) and the headers set towards the backend; unmatched paths get the
 * default backend's 404. Throws (naming the Ingress) on anything it cannot render faithfully, and
 * on a backend or auth-url that names a Service or port `services` does not have.
 */
export function renderIngressHttp(options: IngressRenderOptions): string {
  const locations = buildLocations(options.ingresses);
  const upstreams = new Map<string, Upstream>();
  const addUpstream = (name: string, service: string, neededBy: string) => {
    if (!upstreams.has(name)) {
      upstreams.set(name, { name, servers: endpointsOf(options.endpoints, service, neededBy) });
    }
  };
  const blocks: string[] = [];
  for (const location of locations) {
    checkBackend(location, options.services);
    addUpstream(
      location.upstream,
      location.service,
      `Ingress "${location.ingress}" path ${location.ingressPath}`,
    );
    const auth = location.annotations.externalAuth;
    if (auth) {
      const service = authService(auth, location, options.services);
      const name = upstreamName(location.namespace, service, auth.port);
      addUpstream(name, service, `Ingress "${location.ingress}" auth-url ${auth.url}`);
      blocks.push(renderAuthLocation(location, auth, `http://${name}${auth.pathAndQuery}`));
    }
    blocks.push(renderLocation(location));
  }
  const hasRoot = locations.some((l) => l.path === '/' && l.pathType !== 'Exact');
  const defaultBackend = hasRoot
    ? ''
    : `    # the default backend: nothing else is routed
    location / {
      set $proxy_upstream_name "upstream-default-backend";
      return 404;
    }
`;
  return `  # ---- rendered from the Ingress objects by scripts/stack/ingress-render.ts ----
  keepalive_timeout ${DEFAULTS.keepAlive};
  keepalive_requests ${DEFAULTS.keepAliveRequests};
  server_name_in_redirect off;
  port_in_redirect off;

  # See https://www.nginx.com/blog/websocket-nginx
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' '';
  }

  # A client-supplied X-Request-ID is reused verbatim; otherwise nginx generates one.
  map $http_x_request_id $req_id {
    default $http_x_request_id;
    "" $request_id;
  }

${[...upstreams.values()].map(renderUpstream).join('\n')}
  ## start server _
  server {
    server_name _;
    listen ${options.listen} default_server;
    set $proxy_upstream_name "-";

${blocks.join('\n')}
${options.extraLocations ?? ''}${defaultBackend}
    # health checks in cloud providers require the use of port 80
    location /healthz {
      access_log off;
      return 200;
    }
  }
  ## end server _
`;
}
