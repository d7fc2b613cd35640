import { ApiObject, JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';

/** A kubernetes-models object: typed while built, schema-checked before it is added. */
export interface ValidatableModel {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string };
  validate(): void;
  toJSON(): Record<string, unknown>;
}

/**
 * Adds a kubernetes-models object to a chart as a cdk8s `ApiObject`, after validating it against
 * the Kubernetes OpenAPI schema, so an invalid object fails the synth rather than the apply.
 *
 * The construct id is `<kind>-<name>`; the object keeps its explicit `metadata.name`, so cdk8s adds
 * no hash suffix and the output is stable.
 *
 * @throws Error naming the object when the schema rejects it or it has no name.
 */
export function addModel(scope: Construct, model: ValidatableModel): ApiObject {
  const name = model.metadata?.name;
  if (!name) throw new Error(`${model.kind} without metadata.name in ${scope.node.path}`);
  try {
    model.validate();
  } catch (error) {
    throw new Error(`${model.kind} ${name} fails schema validation: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const json = model.toJSON() as { apiVersion: string; kind: string };
  return new ApiObject(scope, `${model.kind}-${name}`, json);
}

/**
 * Adds an object of a custom resource (Gateway API, Envoy Gateway) that kubernetes-models has no
 * schema for. Its shape is checked by the TypeScript interface the caller built it with.
 */
export function addCustomObject(
  scope: Construct,
  object: { apiVersion: string; kind: string; metadata: { name: string } },
): ApiObject {
  return new ApiObject(scope, `${object.kind}-${object.metadata.name}`, object);
}

/**
 * {@link addModel} for a cluster-scoped kind (Namespace, IngressClass, ClusterRole,
 * ClusterRoleBinding) in a chart that has a namespace: cdk8s gives every object its chart's
 * namespace, which a cluster-scoped object must not carry.
 */
export function addClusterModel(scope: Construct, model: ValidatableModel): ApiObject {
  const object = addModel(scope, model);
  object.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return object;
}
