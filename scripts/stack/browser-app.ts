import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { authLocationPath, upstreamName } from './ingress-locations.js';
import { renderAuthLocation } from './ingress-render.js';
import type { StackLayout } from './layout.js';

/**
 * The local stack's demo browser app: a static page (`scripts/stack/demo-app/`) at `/app/` behind
 * the gateway's external auth, as an Ingress with `auth-url` and `auth-signin` would be under
 * ingress-nginx. It is local only: there is no such backend in the Kubernetes manifests, so it is
 * rendered here rather than from an Ingress (docs/browser-sessions.md).
 */

/** Where the demo app is served. */
export const BROWSER_APP_PATH = '/app/';

/** The sign-in page, as the `auth-signin` annotation of a browser app's Ingress would name it. */
export const BROWSER_APP_SIGNIN = '$scheme://$http_host/auth/signin';

/** The `Host` of the subrequest: the auth Service's in-cluster name, as the API Ingress's auth-url has it. */
const AUTH_HOST = 'auth.shardgate.svc.cluster.local';

const SOURCE_DIR = 'scripts/stack/demo-app';
const FILES = ['index.html', 'app.js'] as const;

/** The CSP of the app's files: its own script and API only, no inline anything, no framing. */
const APP_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Where the gateway serves the app's files from. */
export function browserAppDir(layout: StackLayout): string {
  return join(layout.unprivilegedDir, 'demo-app');
}

/**
 * Copies the app's files where the gateway's workers (`nobody` when the stack runs as root) can
 * read them; returns that folder.
 */
export function installBrowserApp(layout: StackLayout): string {
  const dir = browserAppDir(layout);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  for (const file of FILES) {
    copyFileSync(join(layout.repoRoot, SOURCE_DIR, file), join(dir, file));
    chmodSync(join(dir, file), 0o644);
  }
  return dir;
}

/**
 * The nginx locations of the demo app: the external-auth subrequest by the renderer's own
 * {@link renderAuthLocation}, as for `/api/` (plain `/verify`: ingress-nginx turns a 3xx into a 500, and redirects on 401
 * itself), and the protected location with what ingress-nginx adds for `auth-signin`:
 * `error_page 401 = <signin>?rd=$pass_access_scheme://$http_host$escaped_request_uri`. Debian's
 * nginx lacks `set_escape_uri` (OpenResty's set-misc module), so `rd` carries `$request_uri`
 * unescaped: a query with `&` loses its tail, never its safety (the sign-in page validates `rd`).
 */
export function renderBrowserAppLocations(filesDir: string): string {
  // no backend: the files are the gateway's own; the name only labels its log lines
  const app = {
    path: BROWSER_APP_PATH,
    pathType: 'Prefix',
    upstream: 'local-demo-app',
    annotations: { proxyBodySize: null },
  } as const;
  const auth = authLocationPath(app);
  const upstream = upstreamName('shardgate', 'auth', 8080);
  return `    # ---- the local demo browser app (scripts/stack/browser-app.ts), not from an Ingress ----
${renderAuthLocation(app, { hostname: AUTH_HOST }, `http://${upstream}/verify`)}
    location ${BROWSER_APP_PATH} {
      port_in_redirect off;
      set $pass_access_scheme $scheme;

      # this location requires authentication
      auth_request ${auth};
      auth_request_set $auth_cookie $upstream_http_set_cookie;
      add_header Set-Cookie $auth_cookie;
      # auth-signin: a refused browser goes to the sign-in page, which brings it back
      error_page 401 = ${BROWSER_APP_SIGNIN}?rd=$pass_access_scheme://$http_host$request_uri;

      alias ${filesDir}/;
      index index.html;
      # the gateway's http block loads no mime.types: name the app's two kinds of file
      types {
        text/html html;
        text/javascript js;
      }
      charset utf-8;
      add_header Content-Security-Policy "${APP_CSP}" always;
      add_header Cache-Control "no-store" always;
      add_header X-Content-Type-Options "nosniff" always;
    }
`;
}
