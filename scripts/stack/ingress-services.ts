import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentsOfKind, isObject } from './manifest-documents.js';

/** One `spec.ports[]` entry of a Service. */
export interface ServicePort {
  /** `name`; optional in Kubernetes when the Service has a single port. */
  readonly name: string | undefined;
  /** `port`: the port clients (and the Ingress backends, and the auth-url) connect to. */
  readonly port: number;
}

/** The part of a `kind: Service` object the local gateway checks Ingress references against. */
export interface ServiceObject {
  readonly name: string;
  readonly namespace: string;
  readonly ports: readonly ServicePort[];
}

/**
 * Reads the `kind: Service` documents of every `*.k8s.yaml` file in `dir` (a `k8s/<env>` folder,
 * where cdk8s writes one file per chart), in file-name order.
 */
export function readServices(dir: string): ServiceObject[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.k8s.yaml'))
    .sort()
    .flatMap((file) => {
      const path = join(dir, file);
      return servicesFromYaml(readFileSync(path, 'utf8'), path);
    });
}

/** {@link readServices} on the YAML text of one file; `source` names it in errors. */
export function servicesFromYaml(text: string, source: string): ServiceObject[] {
  const services: ServiceObject[] = [];
  for (const object of documentsOfKind(text, source, 'Service')) {
    const metadata = isObject(object.metadata) ? object.metadata : {};
    if (typeof metadata.name !== 'string' || metadata.name === '') {
      throw new Error(`${source}: a Service without metadata.name`);
    }
    const spec = isObject(object.spec) ? object.spec : {};
    const ports: ServicePort[] = [];
    for (const entry of Array.isArray(spec.ports) ? spec.ports : []) {
      if (!isObject(entry) || typeof entry.port !== 'number') {
        throw new Error(`${source}: Service "${metadata.name}": a port without a numeric port`);
      }
      ports.push({
        name: typeof entry.name === 'string' ? entry.name : undefined,
        port: entry.port,
      });
    }
    services.push({
      name: metadata.name,
      namespace: typeof metadata.namespace === 'string' ? metadata.namespace : 'default',
      ports,
    });
  }
  return services;
}

/** The Service `name` of `namespace`, or undefined. */
export function findService(
  services: readonly ServiceObject[],
  namespace: string,
  name: string,
): ServiceObject | undefined {
  return services.find((s) => s.namespace === namespace && s.name === name);
}

/**
 * True when `port` is one of the Service's ports: a number matches `spec.ports[].port`, a name
 * matches `spec.ports[].name` (as an Ingress backend's `port.number` / `port.name` do).
 */
export function hasServicePort(service: ServiceObject, port: number | string): boolean {
  return service.ports.some((p) => (typeof port === 'number' ? p.port === port : p.name === port));
}

/** The Service's ports for an error message, e.g. `8080 (http), 9464 (metrics)`. */
export function describePorts(service: ServiceObject): string {
  if (service.ports.length === 0) return 'none';
  return service.ports.map((p) => (p.name ? `${p.port} (${p.name})` : String(p.port))).join(', ');
}
