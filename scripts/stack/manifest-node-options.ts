import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentsOfKind, isObject } from './manifest-documents.js';

/**
 * The `NODE_OPTIONS` the development manifests give a service (its ConfigMap, `k8s/dev`): the V8
 * heap sized for the pod's memory limit. The local stack runs each service with them, so what it
 * measures (the benchmarks' memory and throughput) is what a pod would see. Throws when the
 * manifests give none: the stack must not quietly run a heap the pods do not.
 */
export function manifestNodeOptions(repoRoot: string, service: string): string {
  const file = join(repoRoot, 'k8s', 'dev', `${service}.k8s.yaml`);
  const name = `${service}-config`;
  const configMap = documentsOfKind(readFileSync(file, 'utf8'), file, 'ConfigMap').find(
    (doc) => isObject(doc.metadata) && doc.metadata.name === name,
  );
  const options = isObject(configMap?.data) ? configMap.data.NODE_OPTIONS : undefined;
  if (typeof options !== 'string' || options.length === 0)
    throw new Error(`${file}: ConfigMap ${name} sets no NODE_OPTIONS`);
  return options;
}
