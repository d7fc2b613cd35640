import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { SERVER_COMPONENT } from '../constructs/service-workload.js';
import type { EnvironmentConfig } from '../environments.js';
import { addCustomObject, addModel } from '../lib/add-model.js';
import type {
  Gateway,
  HttpRoute,
  HttpRouteRule,
  Listener,
  SecurityPolicy,
} from '../lib/gateway-api-types.js';
import {
  AUTH_RESPONSE_HEADERS,
  ENVOY_GATEWAY_NAMESPACE,
  HTTP_PORT,
  LABEL_COMPONENT,
  LABEL_NAME,
  LABEL_NAMESPACE_NAME,
  LABEL_PART_OF,
  NAMESPACE,
} from '../names.js';

/** Props of {@link GatewayApiChart}. */
export interface GatewayApiChartProps {
  readonly env: EnvironmentConfig;
  /**
   * GatewayClass of the Gateway.
   * @default 'eg' (the class Envoy Gateway's quickstart installs)
   */
  readonly gatewayClassName?: string;
}

/**
 * The same routing as the Ingresses, for Gateway API with Envoy Gateway (ingress-nginx is
 * retired): a Gateway, the public and the API HTTPRoute, and a SecurityPolicy whose `extAuth`
 * calls the same `/verify` (ingress-contract.md §5). Not applied by default: it needs the Gateway
 * API and Envoy Gateway CRDs. Its own NetworkPolicy admits Envoy's proxies, which run in
 * `envoy-gateway-system`, to the services.
 */
export class GatewayApiChart extends Chart {
  constructor(scope: Construct, id: string, props: GatewayApiChartProps) {
    super(scope, id, { namespace: NAMESPACE });
    const { host, tlsSecretName } = props.env;
    const labels = { [LABEL_PART_OF]: 'shardgate' };
    const listener: Listener = tlsSecretName
      ? {
          name: 'https',
          protocol: 'HTTPS',
          port: 443,
          hostname: host,
          tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: tlsSecretName }] },
          allowedRoutes: { namespaces: { from: 'Same' } },
        }
      : {
          name: 'http',
          protocol: 'HTTP',
          port: 80,
          hostname: host,
          allowedRoutes: { namespaces: { from: 'Same' } },
        };
    const gateway: Gateway = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'shardgate', labels },
      spec: { gatewayClassName: props.gatewayClassName ?? 'eg', listeners: [listener] },
    };
    addCustomObject(this, gateway);

    const route = (name: string, rules: readonly HttpRouteRule[]): HttpRoute => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name, labels },
      spec: {
        parentRefs: [{ name: gateway.metadata.name }],
        hostnames: host ? [host] : undefined,
        rules,
      },
    });
    const prefix = (value: string, service: 'auth' | 'api'): HttpRouteRule => ({
      matches: [{ path: { type: 'PathPrefix', value } }],
      backendRefs: [{ name: service, port: HTTP_PORT }],
    });
    addCustomObject(
      this,
      route('shardgate-public', [prefix('/auth', 'auth'), prefix('/.well-known', 'auth')]),
    );
    const apiRoute = route('shardgate-api', [prefix('/api', 'api')]);
    addCustomObject(this, apiRoute);

    const policy: SecurityPolicy = {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'SecurityPolicy',
      metadata: { name: 'shardgate-api-ext-auth', labels },
      spec: {
        targetRefs: [
          { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: apiRoute.metadata.name },
        ],
        extAuth: {
          http: {
            backendRefs: [{ name: 'auth', port: HTTP_PORT }],
            // Envoy appends the original path: /verify/api/...; /verify answers any sub-path.
            path: '/verify',
            headersToBackend: [...AUTH_RESPONSE_HEADERS],
          },
        },
      },
    };
    addCustomObject(this, policy);

    addModel(
      this,
      new NetworkPolicy({
        metadata: { name: 'services-from-envoy-gateway', labels },
        spec: {
          podSelector: {
            matchLabels: { [LABEL_COMPONENT]: SERVER_COMPONENT },
            matchExpressions: [{ key: LABEL_NAME, operator: 'In', values: ['auth', 'api'] }],
          },
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {
                    matchLabels: { [LABEL_NAMESPACE_NAME]: ENVOY_GATEWAY_NAMESPACE },
                  },
                },
              ],
              ports: [{ protocol: 'TCP', port: HTTP_PORT }],
            },
          ],
        },
      }),
    );
  }
}
