/**
 * Reading the synthesized manifests of k8s/<env>/ and validating every object against the
 * Kubernetes schemas with kubernetes-models. The other checks live next to this file, one topic
 * each: k8s-pod-security.ts (Pod Security "restricted", resources, images), k8s-ingress-nginx.ts
 * (ingress-nginx's annotation validation rules) and k8s-network-policy.ts (a NetworkPolicy
 * evaluator). Every checker returns a list of problems (empty when fine) so tests can also prove
 * that it rejects bad input.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { Ingress, IngressClass, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
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
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'batch/v1/CronJob': CronJob,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/IngressClass': IngressClass,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
};

/** Kinds without a namespace; every other kind the app emits is namespaced. */
export const CLUSTER_SCOPED_KINDS: readonly string[] = [
  'Namespace',
  'IngressClass',
  'ClusterRole',
  'ClusterRoleBinding',
];

/** Custom resources kubernetes-models has no schema for; their shape is asserted by the tests. */
export const CUSTOM_KINDS: readonly string[] = [
  'gateway.networking.k8s.io/v1/Gateway',
  'gateway.networking.k8s.io/v1/HTTPRoute',
  'gateway.envoyproxy.io/v1alpha1/SecurityPolicy',
];

/**
 * Prometheus Operator resources: behind a switch (on in k8s/dev, off in k8s/prod and in
 * charts/shardgate-monitoring); no schema here, asserted by the monitoring tests and validated
 * against the operator's CRDs by the local cluster's API server.
 */
export const OPT_IN_CUSTOM_KINDS: readonly string[] = [
  'monitoring.coreos.com/v1/PodMonitor',
  'monitoring.coreos.com/v1/PrometheusRule',
  'monitoring.coreos.com/v1/Prometheus',
];

/** Validates one object against its Kubernetes schema; returns the problems. */
export function schemaProblems(object: K8sObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const ModelClass = MODELS[key];
  if (!ModelClass) {
    return CUSTOM_KINDS.includes(key) || OPT_IN_CUSTOM_KINDS.includes(key)
      ? []
      : [`no schema known for ${key}`];
  }
  try {
    new ModelClass(object as never).validate();
    return [];
  } catch (error) {
    return [`${key} ${object.metadata?.name}: ${(error as Error).message}`];
  }
}

/** The security context fields the checks read (pod or container level). */
export interface SecurityContext {
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

/** The pod template of a Deployment, StatefulSet, Job or CronJob; undefined for other kinds. */
function podTemplateOf(object: K8sObject): { metadata?: K8sObject['metadata']; spec?: PodSpec } {
  if (object.kind === 'CronJob') return object.spec?.jobTemplate?.spec?.template ?? {};
  return ['Deployment', 'StatefulSet', 'Job'].includes(object.kind)
    ? (object.spec?.template ?? {})
    : {};
}

/** The pod spec of a Deployment, StatefulSet, Job or CronJob; undefined for other kinds. */
export function podSpecOf(object: K8sObject): PodSpec | undefined {
  return podTemplateOf(object).spec;
}

/** Pod-template labels of a workload. */
export function podLabelsOf(object: K8sObject): Record<string, string> {
  return (podTemplateOf(object).metadata?.labels ?? {}) as Record<string, string>;
}

/**
 * The object of `kind` named `name` (in `namespace`, when given: names repeat across namespaces,
 * e.g. `default-deny-ingress`); throws when there is none.
 */
export function findObject(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
  namespace?: string,
): K8sObject {
  const found = objects.find(
    (o) =>
      o.kind === kind &&
      o.metadata.name === name &&
      (namespace === undefined || o.metadata.namespace === namespace),
  );
  if (!found) throw new Error(`${kind}/${name}${namespace ? ` in ${namespace}` : ''} not found`);
  return found;
}

/**
 * The one object of `kind` whose `app.kubernetes.io/name` label is `name`: how a migration Job is
 * found, since its own name carries a hash of its spec (`auth-migrations-<hash>`).
 */
export function findByAppName(
  objects: readonly K8sObject[],
  kind: string,
  name: string,
): K8sObject {
  const found = objects.filter(
    (o) => o.kind === kind && o.metadata.labels?.['app.kubernetes.io/name'] === name,
  );
  if (found.length !== 1) {
    throw new Error(
      `expected one ${kind} labelled app.kubernetes.io/name=${name}, found ${found.length}`,
    );
  }
  return found[0] as K8sObject;
}
