import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readIngresses } from '../../scripts/stack/ingress-read.js';
import { renderIngressHttp } from '../../scripts/stack/ingress-render.js';
import { REPO_ROOT, stackLayout } from '../../scripts/stack/layout.js';
import { GATEWAY_INGRESS_FILE, stackEndpoints } from '../../scripts/stack/nginx.js';

// The committed dev Ingresses must be ones ingress-nginx v1.15.1 accepts with its default
// configuration; the local gateway tolerates one defect (a path strict-validate-path-type denies)
// with a warning, this test does not.
describe(GATEWAY_INGRESS_FILE, () => {
  const ingresses = readIngresses(join(REPO_ROOT, GATEWAY_INGRESS_FILE));

  it('renders with ingress-nginx default validation (strict-validate-path-type on)', () => {
    expect(() =>
      renderIngressHttp({
        ingresses,
        endpoints: stackEndpoints(stackLayout({ name: 'unit' })),
        listen: '127.0.0.1:8080',
      }),
    ).not.toThrow();
  });

  it('protects /api with external auth and copies the four identity headers', () => {
    const api = ingresses.find((i) => i.paths.some((p) => p.path === '/api'));
    expect(api?.annotations['nginx.ingress.kubernetes.io/auth-response-headers']).toBe(
      'X-User-Id,X-User-Email,X-User-Role,X-Session-Id',
    );
    expect(api?.annotations['nginx.ingress.kubernetes.io/auth-url']).toBe(
      'http://auth.shardgate.svc.cluster.local:8080/verify',
    );
  });
});
