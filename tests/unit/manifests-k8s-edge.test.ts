import { describe, expect, it } from 'vitest';
import {
  AUTH_HEADERS,
  AUTH_URL,
  ENVIRONMENTS,
  environmentManifests,
} from '../support/k8s-environment.js';
import { nginxAnnotationProblems } from '../support/k8s-ingress-nginx.js';
import { findObject, type K8sObject, type Loose } from '../support/k8s-manifests.js';

// The way in: the ingress-nginx Ingresses and the Gateway API alternative (Envoy Gateway).

describe.each(ENVIRONMENTS)('k8s/%s edge', (env) => {
  const { objects } = environmentManifests(env);

  it('has the two Ingresses with exactly the contracted paths and annotations', () => {
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    expect(ingresses.map((i) => i.metadata.name).sort()).toEqual([
      'shardgate-api',
      'shardgate-public',
    ]);
    const paths = (ing: K8sObject) =>
      ing.spec.rules.flatMap((r: Loose) =>
        r.http.paths.map((p: Loose) => [
          p.path,
          p.pathType,
          p.backend.service.name,
          p.backend.service.port.number,
        ]),
      );
    const pub = findObject(objects, 'Ingress', 'shardgate-public');
    const api = findObject(objects, 'Ingress', 'shardgate-api');
    expect(paths(pub)).toEqual([
      ['/auth', 'Prefix', 'auth', 8080],
      ['/.well-known', 'ImplementationSpecific', 'auth', 8080],
    ]);
    // ingress-nginx's strict-validate-path-type (default since v1.12) refuses the whole Ingress
    // when a Prefix or Exact path holds anything but these characters.
    for (const [path, pathType] of [...paths(pub), ...paths(api)]) {
      if (pathType !== 'ImplementationSpecific') expect(path).toMatch(/^\/[A-Za-z0-9/_-]*$/);
    }
    expect(paths(api)).toEqual([['/api', 'Prefix', 'api', 8080]]);
    for (const ing of ingresses) {
      expect(ing.spec.ingressClassName).toBe('nginx');
      expect(nginxAnnotationProblems(ing.metadata.annotations)).toEqual([]);
      if (env === 'dev') expect(ing.spec.rules[0].host).toBeUndefined();
    }
    // Through the ClusterIP, so a terminating pod leaves at once (ingress-chart.ts, routingAnnotations).
    const serviceUpstream = { 'nginx.ingress.kubernetes.io/service-upstream': 'true' };
    expect(pub.metadata.annotations).toEqual(serviceUpstream);
    expect(api.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/auth-url': AUTH_URL,
      'nginx.ingress.kubernetes.io/auth-response-headers': AUTH_HEADERS,
      ...serviceUpstream,
    });
  });

  it('offers the same routing as Gateway API HTTPRoutes with an Envoy Gateway extAuth policy', () => {
    const route = (name: string) => findObject(objects, 'HTTPRoute', name);
    const rules = (name: string) =>
      route(name).spec.rules.map((r: Loose) => [r.matches[0].path.value, r.backendRefs[0]]);
    expect(rules('shardgate-public')).toEqual([
      ['/auth', { name: 'auth', port: 8080 }],
      ['/.well-known', { name: 'auth', port: 8080 }],
    ]);
    expect(rules('shardgate-api')).toEqual([['/api', { name: 'api', port: 8080 }]]);
    for (const name of ['shardgate-public', 'shardgate-api']) {
      expect(route(name).spec.parentRefs).toEqual([{ name: 'shardgate' }]);
    }
    expect(findObject(objects, 'Gateway', 'shardgate').spec.gatewayClassName).toBe('eg');
    const policy = findObject(objects, 'SecurityPolicy', 'shardgate-api-ext-auth');
    expect(policy.spec).toEqual({
      targetRefs: [
        { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'shardgate-api' },
      ],
      extAuth: {
        http: {
          backendRefs: [{ name: 'auth', port: 8080 }],
          path: '/verify',
          headersToBackend: AUTH_HEADERS.split(','),
        },
      },
    });
  });
});
