import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureUnprivilegedDir, type StackLayout } from '../../scripts/stack/layout.js';
import { renderGatewayConfig } from '../../scripts/stack/nginx.js';
import { isRoot, run } from '../../scripts/stack/run.js';
import { gatewayBlocks } from './bench-nginx.js';

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
  const { map, api } = gatewayBlocks(layout, ports.app);
  const withoutAuth = api
    .split('\n')
    .filter((line) => !/auth_request|\$authHeader\d/.test(line))
    .join('\n');
  if (withoutAuth.includes('auth_request') || !withoutAuth.includes('bench_backend'))
    throw new Error('could not derive the baseline /api/ location from the gateway configuration');
  const logFormat = /log_format gateway[^;]*;/.exec(renderGatewayConfig(layout))?.[0];
  if (!logFormat) throw new Error('the gateway configuration has no "log_format gateway"');
  const tmp = join(layout.unprivilegedDir, 'bench-baseline-nginx-tmp');
  return `# Written by bench/lib/baseline-nginx.ts for the api-read-mix benchmark's baseline.
${isRoot() ? 'user nobody nogroup;' : ''}
worker_processes 2;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;

events {
  worker_connections 4096;
}

http {
  server_tokens off;
  client_max_body_size 1m;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;

${reindent(map, 2)}
  ${logFormat}
  access_log ${join(dir, 'access.log')} gateway;

  upstream bench_backend {
    server 127.0.0.1:${ports.app};
    keepalive 32;
  }

  # the gateway's /api/ location without auth_request, proxying to the trivial app
  server {
    listen 127.0.0.1:${ports.listen};
${reindent(withoutAuth, 4)}
    location / {
      return 404;
    }
  }
}
`;
}

/**
 * Re-indents a block extracted from the gateway's configuration: its first line (cut at the
 * opener) gets `spaces`, the others keep their indentation relative to the closing brace's.
 */
function reindent(text: string, spaces: number): string {
  const lines = text.split('\n');
  const base = /^ */.exec(lines[lines.length - 1] ?? '')?.[0].length ?? 0;
  const pad = ' '.repeat(spaces);
  return lines
    .map((line, i) => {
      if (line.trim() === '') return '';
      if (i === 0) return `${pad}${line.trimStart()}`;
      return `${pad}${line.slice(Math.min(base, /^ */.exec(line)?.[0].length ?? 0))}`;
    })
    .join('\n');
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
  mkdirSync(dir, { recursive: true });
  ensureUnprivilegedDir(layout);
  const tmp = join(layout.unprivilegedDir, 'bench-baseline-nginx-tmp');
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
    chownSync(tmp, uid, -1);
  }
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, renderBaselineNginxConfig(layout, dir, ports));
  const args = ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf];
  await run('nginx', ['-t', '-q', ...args]);
  return ['nginx', args];
}
