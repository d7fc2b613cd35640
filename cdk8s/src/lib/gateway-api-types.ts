/**
 * The subset of Gateway API (gateway.networking.k8s.io/v1) and Envoy Gateway
 * (gateway.envoyproxy.io/v1alpha1) objects the app writes. kubernetes-models has no schemas for
 * these CRDs, so these interfaces are what keeps the objects well-formed; field names follow the
 * upstream CRDs.
 * @packageDocumentation
 */

/** Metadata of a namespaced object. */
export interface ObjectMeta {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A reference to a Service port (Gateway API `BackendRef`). */
export interface BackendRef {
  readonly name: string;
  readonly port: number;
}

/** Gateway API `Gateway` listener. */
export interface Listener {
  readonly name: string;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly port: number;
  readonly hostname?: string;
  readonly tls?: {
    readonly mode: 'Terminate';
    readonly certificateRefs: readonly { readonly kind: 'Secret'; readonly name: string }[];
  };
  readonly allowedRoutes: { readonly namespaces: { readonly from: 'Same' } };
}

/** Gateway API `Gateway`. */
export interface Gateway {
  readonly apiVersion: 'gateway.networking.k8s.io/v1';
  readonly kind: 'Gateway';
  readonly metadata: ObjectMeta;
  readonly spec: { readonly gatewayClassName: string; readonly listeners: readonly Listener[] };
}

/** Gateway API `HTTPRouteRule` restricted to path-prefix matches. */
export interface HttpRouteRule {
  readonly matches: readonly {
    readonly path: { readonly type: 'PathPrefix'; readonly value: string };
  }[];
  readonly backendRefs: readonly BackendRef[];
}

/** Gateway API `HTTPRoute`. */
export interface HttpRoute {
  readonly apiVersion: 'gateway.networking.k8s.io/v1';
  readonly kind: 'HTTPRoute';
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly parentRefs: readonly { readonly name: string }[];
    readonly hostnames?: readonly string[];
    readonly rules: readonly HttpRouteRule[];
  };
}

/** Envoy Gateway `SecurityPolicy` with HTTP external authorization. */
export interface SecurityPolicy {
  readonly apiVersion: 'gateway.envoyproxy.io/v1alpha1';
  readonly kind: 'SecurityPolicy';
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly targetRefs: readonly {
      readonly group: 'gateway.networking.k8s.io';
      readonly kind: 'HTTPRoute';
      readonly name: string;
    }[];
    readonly extAuth: {
      readonly http: {
        readonly backendRefs: readonly BackendRef[];
        /** Prefix put before the original path: `/verify` + `/api/...`. */
        readonly path: string;
        /** Headers of the authorization answer copied onto the request to the backend. */
        readonly headersToBackend: readonly string[];
      };
    };
  };
}
