import { join } from 'node:path';
import type { StackLayout } from '../../scripts/stack/layout.js';
import {
  checkedNginxCommand,
  nginxPaths,
  nginxPreamble,
  renderGatewayConfig,
} from '../../scripts/stack/nginx.js';
import { gatewayBlocks, indent } from './bench-nginx.js';

const baselinePaths = (layout: StackLayout, dir: string) =>
  nginxPaths(layout, dir, join(dir, 'error.log'), 'bench-baseline-nginx-tmp');

/**
 * The baseline of the api-read-mix benchmark: nginx → a trivial Koa app, no `auth_request`.
 *
 * The `/api/` location is the stack gateway's own (`renderGatewayConfig`, via
 * {@link gatewayBlocks}) with the `auth_request` line and the four identity `auth_request_set` /
 * `proxy_set_header` lines removed, proxying to a keep-alive upstream (32 connections, as the
 * gateway's) of the trivial app. Like the gateway it runs 2 workers and writes an access log in
 * the gateway's format, so that the two paths differ only in the auth subrequest and the app.
 */
export function renderBaselineNginxConfig(
  layout: StackLayout,
  dir: string,
  ports: { readonly listen: number; readonly app: number },
): string {
  const { map, api } = gatewayBlocks(layout, `http://127.0.0.1:${ports.app}/verify`);
  const withoutAuth = api
    .split('\n')
    .filter((line) => !/auth_request|\$authHeader\d|\$auth_cookie/.test(line))
    .join('\n');
  if (withoutAuth.includes('auth_request') || !withoutAuth.includes('bench_backend'))
    throw new Error('could not derive the baseline /api/ location from the gateway configuration');
  const logFormat = /log_format gateway[^;]*;/.exec(renderGatewayConfig(layout))?.[0];
  if (!logFormat) throw new Error('the gateway configuration has no "log_format gateway"');
  return `${nginxPreamble(baselinePaths(layout, dir), "Written by bench/lib/baseline-nginx.ts for the api-read-mix benchmark's baseline.")}  client_max_body_size 1m;

${indent(map, 2)}
  ${logFormat}
  access_log ${join(dir, 'access.log')} gateway;

  upstream bench_backend {
    server 127.0.0.1:${ports.app};
    keepalive 32;
  }

  # the gateway's /api/ location without auth_request, proxying to the trivial app
  server {
    listen 127.0.0.1:${ports.listen};
${indent(withoutAuth, 4)}
    location / {
      return 404;
    }
  }
}
`;
}

/**
 * Writes the configuration under `dir`, checks it with `nginx -t` and returns the command that
 * runs it in the foreground.
 */
export async function baselineNginxCommand(
  layout: StackLayout,
  dir: string,
  ports: { readonly listen: number; readonly app: number },
): Promise<[string, string[]]> {
  return checkedNginxCommand(
    layout,
    baselinePaths(layout, dir),
    renderBaselineNginxConfig(layout, dir, ports),
  );
}
