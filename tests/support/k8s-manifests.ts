/**
 * Reading and linting the synthesized manifests of k8s/<env>/: schema validation with
 * kubernetes-models, Pod Security "restricted" checks, ingress-nginx's own annotation validation
 * rules, and a small NetworkPolicy evaluator. Every checker returns a list of problems (empty when
 * fine) so tests can also prove that it rejects bad input.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

/** Parsed YAML whose shape a test asserts as it reads it. */
// biome-ignore lint/suspicious/noExplicitAny: manifests are arbitrary YAML; tests narrow them
export type Loose = any;

/** One object of a manifest file, loosely typed: tests narrow what they read. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Loose;
  [key: string]: Loose;
}

/** An object and the file it came from. */
export interface LoadedObject {
  readonly file: string;
  readonly object: K8sObject;
}

/** Reads every `*.k8s.yaml` of a folder (sorted), failing on any YAML error. */
export function loadManifests(dir: string): LoadedObject[] {
  const loaded: LoadedObject[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.k8s.yaml'))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.join('; ')}`);
      const object = doc.toJS() as K8sObject | null;
      if (object) loaded.push({ file, object });
    }
  }
  return loaded;
}

type Model = new (data: never) => { validate(): void };

/** kubernetes-models class per `apiVersion/kind` of every built-in kind the app emits. */
export const MODELS: Readonly<Record<string, Model>> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

/** Custom resources kubernetes-models has no schema for; their shape is asserted by the tests. */
export const CUSTOM_KINDS: readonly string[] = [
  'gateway.networking.k8s.io/v1/Gateway',
  'gateway.networking.k8s.io/v1/HTTPRoute',
  'gateway.envoyproxy.io/v1alpha1/SecurityPolicy',
];

/** Validates one object against its Kubernetes schema; returns the problems. */
export function schemaProblems(object: K8sObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const ModelClass = MODELS[key];
  if (!ModelClass) {
    return CUSTOM_KINDS.includes(key) ? [] : [`no schema known for ${key}`];
  }
  try {
    new ModelClass(object as never).validate();
    return [];
  } catch (error) {
    return [`${key} ${object.metadata?.name}: ${(error as Error).message}`];
  }
}

interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}

/** The parts of a container the checks read. */
export interface ContainerSpec {
  name: string;
  image?: string;
  securityContext?: SecurityContext;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  ports?: { name?: string; containerPort: number }[];
  [key: string]: unknown;
}

/** The parts of a pod spec the checks read. */
export interface PodSpec {
  securityContext?: SecurityContext;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  volumes?: Record<string, unknown>[];
  [key: string]: unknown;
}

/** The pod template of a Deployment, StatefulSet or Job; undefined for other kinds. */
export function podSpecOf(object: K8sObject): PodSpec | undefined {
  return ['Deployment', 'StatefulSet', 'Job'].includes(object.kind)
    ? (object.spec?.template?.spec as PodSpec | undefined)
    : undefined;
}

/** Pod-template labels of a workload. */
export function podLabelsOf(object: K8sObject): Record<string, string> {
  return (object.spec?.template?.metadata?.labels ?? {}) as Record<string, string>;
}

const ALLOWED_VOLUME_TYPES = new Set([
  'name',
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/**
 * Pod Security Standards "restricted" (Kubernetes v1.30+): no host namespaces, only the volume
 * types it allows, and on every container (each checked with the pod-level fallback the admission
 * controller applies) runAsNonRoot, a non-zero runAsUser, allowPrivilegeEscalation false,
 * capabilities dropping ALL (adding at most NET_BIND_SERVICE), a RuntimeDefault or Localhost
 * seccomp profile. We also require the pod-level settings themselves and a read-only root
 * filesystem on every container.
 */
export function restrictedProblems(where: string, pod: PodSpec): string[] {
  const problems: string[] = [];
  const podSc = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push(`${where}: host namespaces`);
  if (podSc.runAsNonRoot !== true) problems.push(`${where}: pod runAsNonRoot is not true`);
  if (podSc.seccompProfile?.type !== 'RuntimeDefault') {
    problems.push(`${where}: pod seccompProfile is not RuntimeDefault`);
  }
  if (podSc.runAsUser === 0) problems.push(`${where}: pod runAsUser 0`);
  for (const volume of pod.volumes ?? []) {
    for (const key of Object.keys(volume)) {
      if (!ALLOWED_VOLUME_TYPES.has(key)) problems.push(`${where}: volume type ${key}`);
    }
  }
  const containers = [...(pod.initContainers ?? []), ...pod.containers];
  if (containers.length === 0) problems.push(`${where}: no containers`);
  for (const c of containers) {
    const at = `${where} container ${c.name}`;
    const sc = c.securityContext;
    if (!sc) {
      problems.push(`${at}: no securityContext`);
      continue;
    }
    if (sc.runAsNonRoot !== true) problems.push(`${at}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) problems.push(`${at}: runAsUser 0`);
    if (sc.privileged) problems.push(`${at}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: root filesystem is writable`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${at}: does not drop ALL`);
    const added = (sc.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0) problems.push(`${at}: adds capabilities ${added.join(',')}`);
    if (sc.seccompProfile?.type !== 'RuntimeDefault') {
      problems.push(`${at}: seccompProfile is not RuntimeDefault`);
    }
  }
  return problems;
}

/** Every container must request and limit both cpu and memory. */
export function resourceProblems(where: string, pod: PodSpec): string[] {
  const problems: string[] = [];
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    for (const kind of ['requests', 'limits'] as const) {
      const keys = Object.keys(c.resources?.[kind] ?? {}).sort();
      if (keys.join(',') !== 'cpu,memory') {
        problems.push(`${where} container ${c.name}: resources.${kind} is {${keys.join(',')}}`);
      }
    }
  }
  return problems;
}

/** An image must carry an explicit tag (or digest) that is not `latest`. */
export function imageProblems(image: string | undefined): string[] {
  if (!image) return ['no image'];
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return [];
  // The tag is after the last colon that comes after the last slash (a registry port is not one).
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.lastIndexOf(':') + 1) : '';
  if (tag === '') return [`${image}: no tag`];
  if (tag === 'latest') return [`${image}: tag latest`];
  return [];
}

// ---------------------------------------------------------------------------------------------
// ingress-nginx annotation validation, mirrored from the controller's source
// (internal/ingress/annotations/parser/validators.go and .../authreq/main.go, controller v1.9+):
// values are checked after removing spaces where the controller does, and an invalid value makes
// the controller reject the annotation (for external auth: serve the location unauthenticated or
// not at all), so the manifests must never carry one.

const alphaNumericChars = String.raw`\-\._~a-zA-Z0-9/:`;
const urlEnabledChars = ':?&=';
/** parser.URLWithNginxVariableRegex. */
export const URL_WITH_NGINX_VARIABLE = new RegExp(`^[${alphaNumericChars}${urlEnabledChars}$]*$`);
/** parser.URLIsValidRegex. */
export const URL_IS_VALID = new RegExp(`^[${alphaNumericChars}${urlEnabledChars}]*$`);
/** parser.HeadersVariable. */
export const HEADERS_VARIABLE = /^[A-Za-z0-9_, -]*$/;
/** authreq headerRegexp (each name of auth-response-headers). */
export const HEADER_NAME = /^[a-zA-Z\d\-_]+$/;
/** parser.ExtendedCharsRegex. */
export const EXTENDED_CHARS = new RegExp(`^[/${alphaNumericChars}, ]*$`);
/** parser.NGINXVariable. */
export const NGINX_VARIABLE = /^[A-Za-z0-9\-_${}]*$/;
/** parser.SizeRegex. */
export const SIZE = /^\d+[bkmgBKMG]?$/;

/**
 * `auth-url`: the character whitelist (after removing spaces), then parser.StringToURL: a scheme,
 * a host, no `..` in the host. We are stricter than the controller in one way: no `$` (nginx
 * variables), since our URL is a fixed Service address.
 */
export function authUrlProblems(value: string): string[] {
  const problems: string[] = [];
  const compact = value.replaceAll(' ', '');
  if (!URL_WITH_NGINX_VARIABLE.test(compact)) {
    problems.push(`auth-url ${value}: characters outside ingress-nginx's URL whitelist`);
  }
  if (compact.includes('$')) problems.push(`auth-url ${value}: contains an nginx variable`);
  const parts = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(value);
  if (!parts) problems.push(`auth-url ${value}: no scheme or host`);
  else if (parts[2] === '') problems.push(`auth-url ${value}: empty host`);
  else if (parts[2]?.includes('..')) problems.push(`auth-url ${value}: invalid host`);
  return problems;
}

/** `auth-response-headers`: the list whitelist, then every name against the header pattern. */
export function authResponseHeadersProblems(value: string): string[] {
  const problems: string[] = [];
  if (!HEADERS_VARIABLE.test(value.replaceAll(' ', ''))) {
    problems.push(`auth-response-headers ${value}: characters outside the whitelist`);
  }
  for (const name of value.split(',').map((h) => h.trim())) {
    if (name.length > 0 && !HEADER_NAME.test(name)) {
      problems.push(`auth-response-headers: invalid header name "${name}"`);
    }
  }
  return problems;
}

/** authreq ValidCacheDuration: `[code ...] time [time ...]`, codes never after a time. */
function validCacheDuration(duration: string): boolean {
  let seenDuration = false;
  for (const element of duration.split(' ')) {
    if (element.length === 0) continue;
    if (/^\d{3}$/.test(element)) {
      if (seenDuration) return false;
      continue;
    }
    if (/^\d+(ms|s|m|h|d|w|M|y)$/.test(element)) seenDuration = true;
  }
  return seenDuration;
}

/** `auth-cache-duration`: comma list of `[codes] time` entries. */
export function authCacheDurationProblems(value: string): string[] {
  if (!EXTENDED_CHARS.test(value)) return [`auth-cache-duration ${value}: characters`];
  return value
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d.length > 0 && !validCacheDuration(d))
    .map((d) => `auth-cache-duration: invalid entry "${d}"`);
}

const AUTH_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
];

const ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io/';

/** Validators of the nginx annotations we accept at all; any other one is a problem. */
const ANNOTATION_VALIDATORS: Readonly<Record<string, (value: string) => string[]>> = {
  'auth-url': authUrlProblems,
  'auth-response-headers': authResponseHeadersProblems,
  'auth-cache-duration': authCacheDurationProblems,
  'auth-cache-key': (v) =>
    NGINX_VARIABLE.test(v.replaceAll(' ', '')) ? [] : [`auth-cache-key ${v}: characters`],
  'auth-method': (v) => (AUTH_METHODS.includes(v.trim()) ? [] : [`auth-method ${v}: not a method`]),
  'auth-request-redirect': (v) =>
    URL_IS_VALID.test(v.replaceAll(' ', '')) ? [] : [`auth-request-redirect ${v}: characters`],
  'auth-always-set-cookie': (v) =>
    ['true', 'false'].includes(v) ? [] : [`auth-always-set-cookie ${v}: not a boolean`],
  'proxy-body-size': (v) => (SIZE.test(v) ? [] : [`proxy-body-size ${v}: not a size`]),
};

/**
 * Lints the `nginx.ingress.kubernetes.io/*` annotations of one Ingress: no snippet annotation
 * (refused by default, "Critical" risk), only annotations we know how to validate, and each value
 * valid under the controller's rules.
 */
export function nginxAnnotationProblems(annotations: Record<string, string> = {}): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(annotations)) {
    if (key.endsWith('-snippet')) {
      problems.push(`${key}: snippet annotations are forbidden`);
      continue;
    }
    if (!key.startsWith(ANNOTATION_PREFIX)) continue;
    const validator = ANNOTATION_VALIDATORS[key.slice(ANNOTATION_PREFIX.length)];
    if (!validator) problems.push(`${key}: not an annotation this project allows`);
    else problems.push(...validator(value));
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// NetworkPolicy evaluation (ingress only), enough for the selectors the app writes.

/** A Kubernetes label selector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** True when `labels` satisfy `selector` (an empty selector matches everything). */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    const value = labels[key];
    const ok =
      operator === 'In'
        ? has && values.includes(value as string)
        : operator === 'NotIn'
          ? !has || !values.includes(value as string)
          : operator === 'Exists'
            ? has
            : operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/** A pod as the evaluator sees it. */
export interface PodRef {
  namespace: string;
  /** Labels of the pod's namespace (at least `kubernetes.io/metadata.name`). */
  namespaceLabels: Record<string, string>;
  labels: Record<string, string>;
  /** Named container ports, for policies that name ports. */
  ports?: Record<string, number>;
}

/** A namespace's labels as the API server sets them. */
export const namespaceLabels = (name: string) => ({ 'kubernetes.io/metadata.name': name });

/**
 * Would the NetworkPolicies let `from` open a TCP connection to `to` on `port`? A pod no Ingress
 * policy selects accepts everything; a selected pod accepts what at least one rule of one
 * selecting policy allows.
 */
export function ingressAllowed(
  policies: readonly K8sObject[],
  from: PodRef,
  to: PodRef,
  port: number,
): boolean {
  const selecting = policies.filter(
    (p) =>
      (p.metadata.namespace ?? 'default') === to.namespace &&
      ((p.spec?.policyTypes as string[] | undefined) ?? ['Ingress']).includes('Ingress') &&
      selectorMatches(p.spec?.podSelector ?? {}, to.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    ((policy.spec?.ingress ?? []) as IngressRule[]).some(
      (rule) => peersMatch(rule.from, policy, from) && portsMatch(rule.ports, to, port),
    ),
  );
}

interface IngressRule {
  from?: {
    podSelector?: LabelSelector;
    namespaceSelector?: LabelSelector;
    ipBlock?: unknown;
  }[];
  ports?: { protocol?: string; port?: number | string; endPort?: number }[];
}

function peersMatch(peers: IngressRule['from'], policy: K8sObject, from: PodRef): boolean {
  if (!peers || peers.length === 0) return true;
  return peers.some((peer) => {
    if (peer.ipBlock) return false; // pod-to-pod traffic is judged by the selectors
    const nsOk = peer.namespaceSelector
      ? selectorMatches(peer.namespaceSelector, from.namespaceLabels)
      : from.namespace === (policy.metadata.namespace ?? 'default');
    const podOk = peer.podSelector ? selectorMatches(peer.podSelector, from.labels) : true;
    return nsOk && podOk;
  });
}

function portsMatch(ports: IngressRule['ports'], to: PodRef, port: number): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== 'TCP') return false;
    if (p.port === undefined) return true;
    const number = typeof p.port === 'number' ? p.port : to.ports?.[p.port];
    if (number === undefined) return false;
    return p.endPort ? port >= number && port <= p.endPort : port === number;
  });
}
