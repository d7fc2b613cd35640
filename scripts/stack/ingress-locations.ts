import { type IngressAnnotations, parseIngressAnnotations } from './ingress-annotations.js';
import type { IngressObject, PathType } from './ingress-read.js';

/** The IngressClass the local gateway plays. */
export const INGRESS_CLASS = 'nginx';

/** One nginx `location` of the catch-all server, as ingress-nginx builds it from an Ingress path. */
export interface GatewayLocation {
  /** The nginx location path (Prefix paths normalized to end in `/`). */
  readonly path: string;
  readonly pathType: PathType;
  /** The path as written in the Ingress. */
  readonly ingressPath: string;
  readonly ingress: string;
  readonly namespace: string;
  readonly service: string;
  readonly servicePort: number | string;
  /** The backend's upstream name, `<namespace>-<service>-<port>` as the controller names it. */
  readonly upstream: string;
  readonly annotations: IngressAnnotations;
}

/** A path that ingress-nginx's strict-validate-path-type denies (the whole Ingress is refused). */
export class PathTypeError extends Error {
  override readonly name = 'PathTypeError';
}

// the controller's strict-validate-path-type (default true since v1.12.0) for Exact and Prefix
// paths: letters, digits, `/`, `_` and `-` only; otherwise its admission webhook denies the Ingress
const STRICT_PATH = /^\/[A-Za-z0-9/_-]*$/;

/** ingress-nginx's backend (upstream) name for a Service port. */
export function upstreamName(namespace: string, service: string, port: number | string): string {
  return `${namespace}-${service}-${port}`;
}

/**
 * The locations ingress-nginx renders for `ingresses` (host-less rules share the catch-all
 * server `_`), following `updateServerLocations` (internal/ingress/controller/location.go): a
 * Prefix path `/api` becomes `location /api/` plus an exact `location = /api`, both with the same
 * backend and annotations; Exact paths become `location = <path>`; ImplementationSpecific paths
 * are plain nginx prefix locations. Throws on another IngressClass, on paths the controller's
 * validation denies, and on two Ingresses claiming the same location.
 */
export function buildLocations(ingresses: readonly IngressObject[]): GatewayLocation[] {
  const declared: GatewayLocation[] = [];
  for (const ingress of ingresses) {
    if (ingress.ingressClassName !== INGRESS_CLASS) {
      throw new Error(
        `Ingress "${ingress.name}": ingressClassName is ${JSON.stringify(ingress.ingressClassName)}; ` +
          `the local gateway plays IngressClass "${INGRESS_CLASS}" only`,
      );
    }
    const annotations = parseIngressAnnotations(ingress.name, ingress.annotations);
    for (const path of ingress.paths) {
      if (path.pathType !== 'ImplementationSpecific' && !STRICT_PATH.test(path.path)) {
        throw new PathTypeError(
          `Ingress "${ingress.name}": path ${path.path} cannot be used with pathType ${path.pathType} ` +
            '(ingress-nginx strict-validate-path-type allows only A-Za-z0-9/_- there and denies the ' +
            'Ingress; use pathType ImplementationSpecific)',
        );
      }
      declared.push({
        path: path.path,
        pathType: path.pathType,
        ingressPath: path.path,
        ingress: ingress.name,
        namespace: ingress.namespace,
        service: path.service,
        servicePort: path.servicePort,
        upstream: upstreamName(ingress.namespace, path.service, path.servicePort),
        annotations,
      });
    }
  }

  const exact = new Set(declared.filter((l) => l.pathType === 'Exact').map((l) => l.path));
  const locations: GatewayLocation[] = [];
  for (const location of declared) {
    if (location.path === '/' || location.pathType !== 'Prefix') {
      locations.push(location);
      continue;
    }
    const normalized = location.path.endsWith('/') ? location.path : `${location.path}/`;
    locations.push({ ...location, path: normalized });
    // an Exact location for the path as written, unless an Ingress declares one itself
    if (!exact.has(location.path)) locations.push({ ...location, pathType: 'Exact' });
  }

  const seen = new Map<string, GatewayLocation>();
  for (const location of locations) {
    const key = `${location.pathType === 'Exact' ? '=' : ''}${location.path}`;
    const other = seen.get(key);
    if (other) {
      throw new Error(
        `Ingress "${location.ingress}" and Ingress "${other.ingress}" both claim location ${key}`,
      );
    }
    seen.set(key, location);
  }
  // the controller sorts locations by path, longest (in byte order) first
  return locations.sort((a, b) => (a.path === b.path ? 0 : a.path > b.path ? -1 : 1));
}

/**
 * The internal location of a protected path's auth subrequest, as ingress-nginx names it
 * (`buildAuthLocation`): `/_external-auth-<base64url(path), no padding>-<pathType>`.
 */
export function authLocationPath(location: Pick<GatewayLocation, 'path' | 'pathType'>): string {
  const encoded = Buffer.from(location.path).toString('base64url');
  return `/_external-auth-${encoded}-${location.pathType}`;
}
