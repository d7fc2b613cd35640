import { readFileSync } from 'node:fs';
import { documentsOfKind, isObject, type Json } from './manifest-documents.js';

/** The path types of `networking.k8s.io/v1` Ingress paths. */
export type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

/** One `rules[].http.paths[]` entry: a path and the Service port it routes to. */
export interface IngressPath {
  readonly path: string;
  readonly pathType: PathType;
  readonly service: string;
  /** `port.number`, or `port.name` when the backend names its port. */
  readonly servicePort: number | string;
}

/** The part of an Ingress object the local gateway renders. */
export interface IngressObject {
  readonly name: string;
  readonly namespace: string;
  readonly ingressClassName: string | undefined;
  readonly annotations: Readonly<Record<string, string>>;
  /** Every path of every rule, in manifest order. */
  readonly paths: readonly IngressPath[];
}

/**
 * Reads every `kind: Ingress` document of a multi-document YAML file (a `k8s/<env>/*.k8s.yaml`).
 * Throws, naming the file and the Ingress, on anything the local gateway cannot render faithfully:
 * hosts, TLS, a default backend, resource backends, a missing path type.
 */
export function readIngresses(file: string): IngressObject[] {
  return ingressesFromYaml(readFileSync(file, 'utf8'), file);
}

/** {@link readIngresses} on YAML text; `source` names it in errors. */
export function ingressesFromYaml(text: string, source: string): IngressObject[] {
  const ingresses: IngressObject[] = [];
  for (const object of documentsOfKind(text, source, 'Ingress')) {
    ingresses.push(toIngress(object, source));
  }
  return ingresses;
}

function toIngress(object: Json, source: string): IngressObject {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const where = `${source}: Ingress "${name}"`;
  if (name === '') throw new Error(`${source}: an Ingress without metadata.name`);
  if (object.apiVersion !== 'networking.k8s.io/v1') {
    throw new Error(`${where}: apiVersion must be networking.k8s.io/v1, got ${object.apiVersion}`);
  }
  const annotations: Record<string, string> = {};
  if (isObject(metadata.annotations)) {
    for (const [key, value] of Object.entries(metadata.annotations)) {
      if (typeof value !== 'string') {
        throw new Error(`${where}: annotation ${key} must be a string, got ${typeof value}`);
      }
      annotations[key] = value;
    }
  }
  const spec = isObject(object.spec) ? object.spec : {};
  if (spec.defaultBackend !== undefined) {
    throw new Error(`${where}: spec.defaultBackend is not supported by the local gateway`);
  }
  if (Array.isArray(spec.tls) && spec.tls.length > 0) {
    throw new Error(`${where}: spec.tls is not supported by the local gateway (it reads k8s/dev)`);
  }
  const paths: IngressPath[] = [];
  for (const rule of Array.isArray(spec.rules) ? spec.rules : []) {
    if (!isObject(rule)) throw new Error(`${where}: a rule that is not an object`);
    if (rule.host !== undefined && rule.host !== '') {
      throw new Error(
        `${where}: rules with a host (${String(rule.host)}) are not supported by the local gateway`,
      );
    }
    const http = isObject(rule.http) ? rule.http : {};
    for (const entry of Array.isArray(http.paths) ? http.paths : []) {
      paths.push(toPath(entry, where));
    }
  }
  if (paths.length === 0) throw new Error(`${where}: no rules[].http.paths`);
  return {
    name,
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : 'default',
    ingressClassName: typeof spec.ingressClassName === 'string' ? spec.ingressClassName : undefined,
    annotations,
    paths,
  };
}

function toPath(entry: unknown, where: string): IngressPath {
  if (!isObject(entry)) throw new Error(`${where}: a path that is not an object`);
  const path = entry.path;
  const pathType = entry.pathType;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new Error(`${where}: path ${JSON.stringify(path)} must start with /`);
  }
  if (pathType !== 'Exact' && pathType !== 'Prefix' && pathType !== 'ImplementationSpecific') {
    throw new Error(
      `${where}: path ${path}: pathType must be Exact, Prefix or ImplementationSpecific`,
    );
  }
  const backend = isObject(entry.backend) ? entry.backend : {};
  if (backend.resource !== undefined || !isObject(backend.service)) {
    throw new Error(`${where}: path ${path}: only service backends are supported`);
  }
  const service = backend.service;
  const port = isObject(service.port) ? service.port : {};
  const servicePort =
    typeof port.number === 'number' ? port.number : typeof port.name === 'string' ? port.name : '';
  if (typeof service.name !== 'string' || service.name === '' || servicePort === '') {
    throw new Error(`${where}: path ${path}: backend.service needs a name and a port`);
  }
  return { path, pathType, service: service.name, servicePort };
}
