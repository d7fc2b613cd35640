import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readIngresses } from '../../scripts/stack/ingress-read.js';
import { renderIngressHttp } from '../../scripts/stack/ingress-render.js';
import { readServices } from '../../scripts/stack/ingress-services.js';
import { REPO_ROOT, stackLayout } from '../../scripts/stack/layout.js';
import {
  GATEWAY_INGRESS_FILE,
  GATEWAY_MANIFEST_DIR,
  stackEndpoints,
} from '../../scripts/stack/nginx.js';

// The committed dev Ingresses must be ones ingress-nginx v1.15.1 accepts with its default
// configuration (strict-validate-path-type on) and whose backends and auth-url name existing
// Services and ports. The local gateway refuses to start otherwise; this test says so before
// anyone runs it.
describe(GATEWAY_INGRESS_FILE, () => {
  const ingresses = readIngresses(join(REPO_ROOT, GATEWAY_INGRESS_FILE));
  const services = readServices(join(REPO_ROOT, GATEWAY_MANIFEST_DIR));

  it('renders against the Services of k8s/dev with ingress-nginx default validation', () => {
    expect(() =>
      renderIngressHttp({
        ingresses,
        services,
        endpoints: stackEndpoints(stackLayout({ name: 'unit' })),
        listen: '127.0.0.1:8080',
      }),
    ).not.toThrow();
  });

  it('reads the auth and api Services, with their port 8080 named http', () => {
    for (const name of ['auth', 'api']) {
      const service = services.find((s) => s.namespace === 'shardgate' && s.name === name);
      expect(service?.ports, name).toContainEqual({ name: 'http', port: 8080 });
    }
  });

  it('protects /api with external auth and copies the four identity headers', () => {
    const api = ingresses.find((i) => i.paths.some((p) => p.path === '/api'));
    expect(api?.annotations['nginx.ingress.kubernetes.io/auth-response-headers']).toBe(
      'X-User-Id,X-User-Email,X-User-Email-Verified,X-User-Role,X-Session-Id',
    );
    expect(api?.annotations['nginx.ingress.kubernetes.io/auth-url']).toBe(
      'http://auth.shardgate.svc.cluster.local:8080/verify',
    );
  });
});
