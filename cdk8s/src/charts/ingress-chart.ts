import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  type IIngressRule,
  type IIngressTLS,
  Ingress,
} from 'kubernetes-models/networking.k8s.io/v1';
import type { EnvironmentConfig } from '../environments.js';
import { addModel } from '../lib/add-model.js';
import {
  AUTH_RESPONSE_HEADERS,
  HTTP_PORT,
  INGRESS_CLASS,
  LABEL_PART_OF,
  NAMESPACE,
  serviceHost,
} from '../names.js';

/** Props of {@link IngressChart}. */
export interface IngressChartProps {
  readonly env: EnvironmentConfig;
}

/** The exact annotations that put `/api` behind the auth service's `/verify` (ingress-contract.md §1). */
export function externalAuthAnnotations(): Record<string, string> {
  return {
    'nginx.ingress.kubernetes.io/auth-url': `http://${serviceHost('auth')}:${HTTP_PORT}/verify`,
    'nginx.ingress.kubernetes.io/auth-response-headers': AUTH_RESPONSE_HEADERS.join(','),
  };
}

/**
 * Sends each request to the Service's ClusterIP rather than to pod addresses the controller keeps
 * itself. Traefik v3.6.12 misses EndpointSlice changes that touch only conditions (fixed upstream by
 * traefik/traefik#13405), so it kept routing to terminating pods: every rollout or pod deletion
 * failed requests. Through the ClusterIP, kube-proxy drops a terminating endpoint at once. Both
 * controllers read it (docs/gateway.md, docs/decisions.md).
 */
export function routingAnnotations(): Record<string, string> {
  return { 'nginx.ingress.kubernetes.io/service-upstream': 'true' };
}

/**
 * `Prefix` where ingress-nginx allows it. Since v1.12 the controller validates Prefix and Exact
 * paths strictly (`strict-validate-path-type`: only `A-Za-z0-9/_-`) and its admission webhook
 * refuses the whole Ingress otherwise, so `/.well-known` is `ImplementationSpecific`, which
 * ingress-nginx renders as the same plain prefix location (no regex without `use-regex`).
 */
function pathTypeFor(path: string): 'Prefix' | 'ImplementationSpecific' {
  return /^\/[A-Za-z0-9/_-]*$/.test(path) ? 'Prefix' : 'ImplementationSpecific';
}

/**
 * Two Ingresses for ingress-nginx, because its external-auth annotations apply to every path of
 * an Ingress: `shardgate-public` (`/auth`, `/.well-known`, no auth) and `shardgate-api` (`/api`,
 * every request checked by `/verify` first). No snippets: the controller refuses them by default.
 */
export class IngressChart extends Chart {
  constructor(scope: Construct, id: string, props: IngressChartProps) {
    super(scope, id, { namespace: NAMESPACE });
    const { host, tlsSecretName } = props.env;
    if (tlsSecretName && !host) throw new Error('IngressChart: tlsSecretName requires a host');
    const tls: IIngressTLS[] | undefined =
      host && tlsSecretName ? [{ hosts: [host], secretName: tlsSecretName }] : undefined;
    const rule = (paths: readonly [string, 'auth' | 'api'][]): IIngressRule => ({
      host,
      http: {
        paths: paths.map(([path, service]) => ({
          path,
          pathType: pathTypeFor(path),
          backend: { service: { name: service, port: { number: HTTP_PORT } } },
        })),
      },
    });
    const labels = { [LABEL_PART_OF]: 'shardgate' };

    addModel(
      this,
      new Ingress({
        metadata: { name: 'shardgate-public', labels, annotations: routingAnnotations() },
        spec: {
          ingressClassName: INGRESS_CLASS,
          tls,
          rules: [
            rule([
              ['/auth', 'auth'],
              ['/.well-known', 'auth'],
            ]),
          ],
        },
      }),
    );
    addModel(
      this,
      new Ingress({
        metadata: {
          name: 'shardgate-api',
          labels,
          annotations: { ...externalAuthAnnotations(), ...routingAnnotations() },
        },
        spec: { ingressClassName: INGRESS_CLASS, tls, rules: [rule([['/api', 'api']])] },
      }),
    );
  }
}
