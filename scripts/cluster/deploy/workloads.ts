import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as far as the deploy needs to know it. */
export interface ManifestObject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** Every container and initContainer image of a workload's pod template. */
  readonly images: readonly string[];
}

interface RawObject {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: {
    template?: { spec?: PodSpec };
    jobTemplate?: { spec?: { template?: { spec?: PodSpec } } };
  };
}
interface PodSpec {
  containers?: { image?: string }[];
  initContainers?: { image?: string }[];
}

/** The objects of a multi-document manifest file. */
export function readManifestObjects(path: string): ManifestObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((document) => document.toJS() as RawObject | null)
    .filter((raw): raw is RawObject => Boolean(raw?.kind && raw.metadata?.name))
    .map((raw) => {
      const pod = raw.spec?.template?.spec ?? raw.spec?.jobTemplate?.spec?.template?.spec;
      const images = [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]
        .map((container) => container.image)
        .filter((image): image is string => Boolean(image));
      return {
        kind: raw.kind as string,
        name: raw.metadata?.name as string,
        ...(raw.metadata?.namespace ? { namespace: raw.metadata.namespace } : {}),
        images,
      };
    });
}

/**
 * The name containerd's CRI gives an image reference: Docker Hub's implied registry and
 * `library/` prefix made explicit, as `kubectl` shows in a pod's status.
 */
export function normalizeImageRef(ref: string): string {
  const [first, ...rest] = ref.split('/');
  const hasRegistry = rest.length > 0 && /[.:]|^localhost$/.test(first as string);
  if (hasRegistry) return ref;
  return rest.length === 0 ? `docker.io/library/${ref}` : `docker.io/${ref}`;
}
