import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { browserAppDir, installBrowserApp, renderBrowserAppLocations } from './browser-app.js';
import { type IngressObject, readIngresses } from './ingress-read.js';
import { type EndpointMap, renderIngressHttp } from './ingress-render.js';
import { readServices, type ServiceObject } from './ingress-services.js';
import { ensureUnprivilegedDir, type StackLayout } from './layout.js';
import { isRoot, run } from './run.js';

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

/** The dev manifests that cdk8s synthesizes; the gateway checks Ingress references against their Services. */
export const GATEWAY_MANIFEST_DIR = join('k8s', 'dev');

/** Where the local gateway reads its routes: the dev Ingresses. */
export const GATEWAY_INGRESS_FILE = join(GATEWAY_MANIFEST_DIR, 'ingress.k8s.yaml');

/**
 * The local endpoints of the stack's Services: one process each, on the stack's ports, whatever
 * Service port an Ingress or the auth-url names (the manifests' Services each have one).
 */
export function stackEndpoints(layout: StackLayout): EndpointMap {
  return {
    auth: [`127.0.0.1:${layout.ports.auth}`],
    api: [`127.0.0.1:${layout.ports.api}`],
  };
}

/** What {@link renderGatewayNginxConfig} renders. */
export interface GatewayConfigOptions {
  readonly paths: NginxPaths;
  readonly ingresses: readonly IngressObject[];
  /** The Services of the same manifests (backends and the auth-url are checked against them). */
  readonly services: readonly ServiceObject[];
  readonly endpoints: EndpointMap;
  /** e.g. `127.0.0.1:8080` */
  readonly listen: string;
  readonly accessLog: string;
  readonly comment: string;
  /** Locations no Ingress makes, added to the server (the stack's demo app). */
  readonly extraLocations?: string;
}

/**
 * A complete nginx configuration for a gateway that behaves like ingress-nginx for `ingresses`
 * (see scripts/stack/ingress-render.ts and docs/gateway.md), with the project's preamble and the
 * gateway's access log (one line per request with its `X-Request-ID`).
 */
export function renderGatewayNginxConfig(options: GatewayConfigOptions): string {
  const http = renderIngressHttp({
    ingresses: options.ingresses,
    services: options.services,
    endpoints: options.endpoints,
    listen: options.listen,
    ...(options.extraLocations === undefined ? {} : { extraLocations: options.extraLocations }),
  });
  return `${nginxPreamble(options.paths, options.comment)}  log_format gateway '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent '
                     'rt=$request_time req_id=$req_id';
  access_log ${options.accessLog} gateway;

${http}}
`;
}

/**
 * Renders the stack's gateway from the Ingresses in `k8s/dev/ingress.k8s.yaml`, checked against
 * the Services of every `k8s/dev/*.k8s.yaml`, with Service `auth` and `api` mapped to the stack's
 * processes, so that the local gateway always follows the manifests (`site` replaces the stack's
 * endpoints, listen address, paths or log for another gateway on the same manifests). Every
 * renderer error is fatal: a manifest the controller would refuse, or one whose routes would only
 * answer 500 or 503 in a cluster, never runs locally.
 */
export function renderGatewayConfig(
  layout: StackLayout,
  site: Partial<Omit<GatewayConfigOptions, 'ingresses' | 'services'>> = {},
): string {
  const file = join(layout.repoRoot, GATEWAY_INGRESS_FILE);
  if (!existsSync(file)) {
    throw new Error(
      `the gateway is rendered from ${GATEWAY_INGRESS_FILE}, which is missing: run npm run synth`,
    );
  }
  const options: GatewayConfigOptions = {
    paths: gatewayPaths(layout),
    ingresses: readIngresses(file),
    services: readServices(join(layout.repoRoot, GATEWAY_MANIFEST_DIR)),
    endpoints: stackEndpoints(layout),
    listen: `127.0.0.1:${layout.ports.gateway}`,
    accessLog: join(layout.logDir, 'nginx-access.log'),
    comment: `Rendered by scripts/stack/nginx.ts from ${GATEWAY_INGRESS_FILE} for stack "${layout.name}"; regenerated on every start.`,
    extraLocations: renderBrowserAppLocations(browserAppDir(layout)),
    ...site,
  };
  return renderGatewayNginxConfig(options);
}

/** Writes and checks (`nginx -t`) the gateway configuration; returns the command that runs it. */
export async function gatewayCommand(layout: StackLayout): Promise<[string, string[]]> {
  installBrowserApp(layout);
  return checkedNginxCommand(layout, gatewayPaths(layout), renderGatewayConfig(layout));
}
