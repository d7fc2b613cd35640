import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureUnprivilegedDir, type StackLayout } from './layout.js';
import { isRoot, run } from './run.js';

/** The identity headers `/verify` returns and the gateway copies to the API (design §3). */
export const AUTH_RESPONSE_HEADERS = [
  'X-User-Id',
  'X-User-Email',
  'X-User-Role',
  'X-Session-Id',
] as const;

/** nginx's variable name for a response header of the auth subrequest. */
const upstreamVar = (header: string) =>
  `$upstream_http_${header.toLowerCase().replaceAll('-', '_')}`;

/** Where an nginx of the project keeps its files: pid and config in `dir`, temp files in `tmp`. */
export interface NginxPaths {
  readonly dir: string;
  readonly errorLog: string;
  readonly tmp: string;
}

/**
 * The paths of one nginx: `dir` for config and pid, a temp folder named `tmpName` under the
 * stack's unprivileged folder (writable by the workers, which run as `nobody` when we are root).
 */
export function nginxPaths(
  layout: StackLayout,
  dir: string,
  errorLog: string,
  tmpName: string,
): NginxPaths {
  return { dir, errorLog, tmp: join(layout.unprivilegedDir, tmpName) };
}

/**
 * The main context and the opening of the `http` block that every nginx of the project shares:
 * foreground, 2 workers, pid and error log in place, temp files where the workers may write.
 * The caller appends its `http` content and the closing brace.
 */
export function nginxPreamble(paths: NginxPaths, comment: string): string {
  const { tmp } = paths;
  return `# ${comment}
${isRoot() ? 'user nobody nogroup;' : ''}
worker_processes 2;
daemon off;
pid ${join(paths.dir, 'nginx.pid')};
error_log ${paths.errorLog} warn;

events {
  worker_connections 4096;
}

http {
  server_tokens off;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
`;
}

/**
 * Creates the folders of `paths`, writes `config` as `<dir>/nginx.conf`, checks it with
 * `nginx -t` (so a broken configuration explains itself) and returns the command that runs it.
 */
export async function checkedNginxCommand(
  layout: StackLayout,
  paths: NginxPaths,
  config: string,
): Promise<[string, string[]]> {
  mkdirSync(paths.dir, { recursive: true });
  ensureUnprivilegedDir(layout);
  mkdirSync(paths.tmp, { recursive: true, mode: 0o700 });
  if (isRoot()) {
    // workers run as nobody and buffer large bodies here
    const uid = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
    chownSync(paths.tmp, uid, -1);
  }
  const conf = join(paths.dir, 'nginx.conf');
  writeFileSync(conf, config);
  const args = ['-p', paths.dir, '-e', paths.errorLog, '-c', conf];
  await run('nginx', ['-t', '-q', ...args]);
  return ['nginx', args];
}

/** The gateway's paths in a stack. */
const gatewayPaths = (layout: StackLayout) =>
  nginxPaths(
    layout,
    join(layout.dir, 'nginx'),
    join(layout.logDir, 'nginx-error.log'),
    'nginx-tmp',
  );

/**
 * Renders the gateway: `/auth/` and `/.well-known/` to the auth service, `/api/` to the API behind
 * `auth_request` to the auth service's `/verify`, with the subrequest headers ingress-nginx sets
 * (see shared/docs/ingress-contract.md §2 and §4), and 404 for everything else.
 */
export function renderGatewayConfig(layout: StackLayout): string {
  const { ports } = layout;
  const authHeaders = AUTH_RESPONSE_HEADERS.map((header, i) => ({
    header,
    variable: `$authHeader${i}`,
  }));
  const proxyHeaders = `
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Request-ID $req_id;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Forwarded-Proto $scheme;`;
  return `${nginxPreamble(gatewayPaths(layout), `Rendered by scripts/stack/nginx.ts for stack "${layout.name}"; regenerated on every start.`)}  client_max_body_size 1m;

  # A client-supplied X-Request-ID is reused verbatim, as ingress-nginx does; else nginx makes one.
  map $http_x_request_id $req_id {
    default $http_x_request_id;
    "" $request_id;
  }
  log_format gateway '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent '
                     'rt=$request_time req_id=$req_id';
  access_log ${join(layout.logDir, 'nginx-access.log')} gateway;

  upstream auth_service {
    server 127.0.0.1:${ports.auth};
    keepalive 32;
  }
  upstream api_service {
    server 127.0.0.1:${ports.api};
    keepalive 32;
  }

  server {
    listen 127.0.0.1:${ports.gateway};

    # The external-auth subrequest (auth-url). GET, no body, a new connection each time.
    location = /_external-auth {
      internal;
      proxy_pass http://127.0.0.1:${ports.auth}/verify;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Forwarded-Proto "";
      proxy_set_header Host 127.0.0.1;
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Sent-From "nginx-ingress-controller";
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Auth-Request-Redirect $request_uri;
      proxy_set_header X-Request-ID $req_id;
    }

    location /api/ {
      auth_request /_external-auth;
${authHeaders.map(({ header, variable }) => `      auth_request_set ${variable} ${upstreamVar(header)};`).join('\n')}
${authHeaders.map(({ header, variable }) => `      proxy_set_header '${header}' ${variable};`).join('\n')}
${proxyHeaders}
      proxy_pass http://api_service;
    }
    location = /api {
      return 308 /api/;
    }

    location /auth/ {
${proxyHeaders}
      proxy_pass http://auth_service;
    }

    location /.well-known/ {
${proxyHeaders}
      proxy_pass http://auth_service;
    }

    location / {
      return 404;
    }
  }
}
`;
}

/** Writes and checks (`nginx -t`) the gateway configuration; returns the command that runs it. */
export async function gatewayCommand(layout: StackLayout): Promise<[string, string[]]> {
  return checkedNginxCommand(layout, gatewayPaths(layout), renderGatewayConfig(layout));
}
