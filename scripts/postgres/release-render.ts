import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCommand } from '../cluster/command.js';
import { REPO_ROOT } from '../stack/layout.js';

/** A rendered Kubernetes object, as far as the restore reads it. */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
}

/** A StatefulSet's volumeClaimTemplate, as the chart renders it. */
interface ClaimTemplate {
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly spec: Record<string, unknown>;
}

/** What {@link renderRelease} returns: the manifest to apply and its objects. */
export interface RenderedRelease {
  readonly yaml: string;
  readonly objects: readonly RenderedObject[];
}

/**
 * `helm template <release> charts/postgres-shard` with `values` (given to helm as JSON on stdin,
 * never as arguments) and `fullnameOverride` set to the release, as cdk8s's ChartRelease does:
 * objects are `<release>-primary`, `<release>-rw`, ...
 */
export async function renderRelease(
  release: string,
  namespace: string,
  values: Readonly<Record<string, unknown>>,
  helm = process.env.HELM ?? 'helm',
): Promise<RenderedRelease> {
  const { stdout } = await runCommand(
    helm,
    [
      'template',
      release,
      join(REPO_ROOT, 'charts', 'postgres-shard'),
      '--namespace',
      namespace,
      '--values',
      '-',
    ],
    { input: JSON.stringify({ ...values, fullnameOverride: release }) },
  );
  const objects = parseAllDocuments(stdout)
    .map((doc) => doc.toJS() as RenderedObject | null)
    .filter((object): object is RenderedObject => object !== null);
  return { yaml: stdout, objects };
}

/**
 * The PersistentVolumeClaim the primary StatefulSet of a rendered release would create for its
 * pod 0 (`data-<release>-primary-0`), from its volumeClaimTemplate: made beforehand, the
 * StatefulSet adopts it as it is.
 * @throws Error when the render has no primary StatefulSet with a `data` claim template
 */
export function primaryDataClaim(
  rendered: RenderedRelease,
  release: string,
  extraLabels: Readonly<Record<string, string>>,
): RenderedObject {
  const primary = rendered.objects.find(
    (o) => o.kind === 'StatefulSet' && o.metadata.name === `${release}-primary`,
  );
  const templates = (primary?.spec?.volumeClaimTemplates ?? []) as ClaimTemplate[];
  const data = templates.find((t) => t.metadata.name === 'data');
  if (!data)
    throw new Error(`the render of ${release} has no primary StatefulSet with a data claim`);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: `data-${release}-primary-0`,
      labels: { ...data.metadata.labels, ...extraLabels },
    },
    spec: data.spec,
  };
}

/** The image of the rendered primary's postgres container (the restore Job runs the same). */
export function primaryImage(rendered: RenderedRelease, release: string): string {
  const primary = rendered.objects.find(
    (o) => o.kind === 'StatefulSet' && o.metadata.name === `${release}-primary`,
  );
  const pod = (primary?.spec?.template as { spec?: { containers?: { image?: string }[] } })?.spec;
  const image = pod?.containers?.[0]?.image;
  if (!image) throw new Error(`the render of ${release} names no primary image`);
  return image;
}
