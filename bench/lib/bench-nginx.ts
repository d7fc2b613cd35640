import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StackLayout } from '../../scripts/stack/layout.js';
import {
  checkedNginxCommand,
  nginxPaths,
  nginxPreamble,
  renderGatewayConfig,
} from '../../scripts/stack/nginx.js';
import { portInUse } from '../../scripts/stack/processes.js';
import { type Cleanup, startBenchScript, startProcess } from './procs.js';

/** One server of the benchmark's nginx: where it listens and whom it asks. */
export interface BenchNginxSide {
  readonly port: number;
  /** The auth subrequest's target, e.g. `http://127.0.0.1:4301/verify`. */
  readonly authUrl: string;
  /** A comment above the server block. */
  readonly label: string;
  /**
   * Response headers of the auth answer to read in place of the gateway's, by the gateway's
   * name (`x-user-id` → `x-auth-request-user`): what an operator of another auth proxy writes.
   */
  readonly identityHeadersFrom?: Readonly<Record<string, string>>;
}

/** The benchmark's nginx: its servers (identical but for the auth target) and the backend. */
export interface BenchNginxPlan {
  readonly sides: readonly BenchNginxSide[];
  /** The trivial backend every side proxies to. */
  readonly backend: number;
}

/** The internal auth location ingress-nginx renders for the Prefix path `/api` (its `/api/` location). */
const API_AUTH_LOCATION = '/_external-auth-L2FwaS8-Prefix';

/** The text of the `{ ... }` block that starts at `opener` in `config`. */
function block(config: string, opener: string): string {
  const start = config.indexOf(opener);
  if (start < 0) throw new Error(`the gateway configuration has no "${opener}" block`);
  let depth = 0;
  for (let i = config.indexOf('{', start); i < config.length; i++) {
    if (config[i] === '{') depth++;
    else if (config[i] === '}' && --depth === 0) return config.slice(start, i + 1);
  }
  throw new Error(`unbalanced braces after "${opener}" in the gateway configuration`);
}

/** Replaces exactly one match of `pattern`; throws when there is none or several. */
function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const matches = text.match(new RegExp(pattern.source, 'g')) ?? [];
  if (matches.length !== 1)
    throw new Error(`expected one ${what} in the gateway configuration, found ${matches.length}`);
  return text.replace(pattern, replacement);
}

/**
 * The gateway's own auth and `/api/` locations and its `$req_id` and `$connection_upgrade` maps, from
 * `renderGatewayConfig` (scripts/stack/nginx.ts) so that the benchmark measures exactly the
 * gateway's subrequest headers and `auth_request_set` / `proxy_set_header` lines. Only the
 * targets change: the auth subrequest goes to `authUrl`, `/api/` to the benchmark backend; and
 * `identityHeadersFrom` renames the auth answer's headers the `/api/` location reads.
 */
export function gatewayBlocks(
  layout: StackLayout,
  authUrl: string,
  identityHeadersFrom: Readonly<Record<string, string>> = {},
): { map: string; auth: string; api: string } {
  const gateway = renderGatewayConfig(layout);
  const auth = replaceOnce(
    block(gateway, `location = ${API_AUTH_LOCATION} {`),
    /set \$target "http:\/\/[^"]+\/verify";/,
    `set $target "${authUrl}";`,
    'auth subrequest target',
  );
  let api = replaceOnce(
    block(gateway, 'location /api/ {'),
    /proxy_pass\s+http:\/\/[\w-]+;/,
    'proxy_pass http://bench_backend;',
    '/api/ upstream',
  );
  for (const [ours, theirs] of Object.entries(identityHeadersFrom)) {
    api = replaceOnce(
      api,
      new RegExp(`\\$upstream_http_${ours.replace(/-/g, '_')};`),
      `$upstream_http_${theirs.replace(/-/g, '_')};`,
      `auth_request_set of ${ours}`,
    );
  }
  if (!api.includes(`auth_request ${API_AUTH_LOCATION};`))
    throw new Error(`the gateway /api/ location no longer uses auth_request ${API_AUTH_LOCATION}`);
  const maps = [
    block(gateway, 'map $http_x_request_id $req_id {'),
    block(gateway, 'map $http_upgrade $connection_upgrade {'),
  ];
  return { map: maps.join('\n  '), auth, api };
}

/**
 * Re-indents a block extracted from the gateway's configuration: its first line (cut at the
 * opener) gets `spaces`, the others keep their indentation relative to the closing brace's.
 */
export function indent(text: string, spaces: number): string {
  const lines = text.split('\n');
  const base = /^ */.exec(lines[lines.length - 1] ?? '')?.[0].length ?? 0;
  const pad = ' '.repeat(spaces);
  return lines
    .map((line, i) => {
      if (line.trim() === '') return '';
      return i === 0
        ? `${pad}${line.trimStart()}`
        : `${pad}${line.slice(Math.min(base, /^ */.exec(line)?.[0].length ?? 0))}`;
    })
    .join('\n');
}

const benchPaths = (layout: StackLayout, dir: string) =>
  nginxPaths(layout, dir, join(dir, 'error.log'), 'bench-nginx-tmp');

/**
 * An nginx with servers identical but for the auth target (side A asks the real auth service,
 * side B the trivial handler or another auth proxy); all proxy `/api/` to the same trivial
 * backend. No access log (it would cost both sides the same and blur the comparison).
 */
export function renderBenchNginxConfig(layout: StackLayout, dir: string, plan: BenchNginxPlan) {
  const server = (side: BenchNginxSide) => {
    const { auth, api } = gatewayBlocks(layout, side.authUrl, side.identityHeadersFrom);
    return `  # ${side.label}
  server {
    listen 127.0.0.1:${side.port};
${indent(auth, 4)}
${indent(api, 4)}
    location / {
      return 404;
    }
  }`;
  };
  return `${nginxPreamble(benchPaths(layout, dir), 'Written by bench/lib/bench-nginx.ts for a gateway comparison (verify-through-gateway, peer).')}  access_log off;

${indent(gatewayBlocks(layout, 'http://127.0.0.1/verify').map, 2)}

  upstream bench_backend {
    server 127.0.0.1:${plan.backend};
    keepalive 32;
  }

${plan.sides.map(server).join('\n\n')}
}
`;
}

/**
 * Writes the configuration under `dir` (`.stack/bench/bench-nginx/`), checks it with `nginx -t`,
 * and returns the command that runs it in the foreground.
 */
export async function benchNginxCommand(
  layout: StackLayout,
  dir: string,
  plan: BenchNginxPlan,
): Promise<[string, string[]]> {
  return checkedNginxCommand(
    layout,
    benchPaths(layout, dir),
    renderBenchNginxConfig(layout, dir, plan),
  );
}

/**
 * Starts what every gateway comparison needs besides its auth targets: the trivial backend and the
 * benchmark's nginx with `sides`, ready when every side's port listens. Both stop with `cleanup`.
 * Returns nginx's error log, whose error lines the benchmark counts.
 */
export async function startBenchGateway(
  cleanup: Cleanup,
  layout: StackLayout,
  backendPort: number,
  sides: readonly BenchNginxSide[],
): Promise<{ errorLog: string }> {
  await startBenchScript(
    cleanup,
    layout,
    'trivial backend',
    'trivial-server.ts',
    ['backend', String(backendPort)],
    backendPort,
    join(layout.logDir, 'bench-trivial-backend.log'),
  );
  const dir = join(layout.dir, 'bench-nginx');
  mkdirSync(dir, { recursive: true });
  const [nginx, args] = await benchNginxCommand(layout, dir, { sides, backend: backendPort });
  await startProcess(cleanup, 'bench nginx', nginx, args, {
    logFile: join(layout.logDir, 'bench-nginx.log'),
    cwd: layout.repoRoot,
    ready: async () => {
      for (const side of sides) if (!(await portInUse(side.port))) return false;
      return true;
    },
  });
  return { errorLog: join(dir, 'error.log') };
}
