import { join } from 'node:path';
import { Helm } from 'cdk8s';
import { Construct } from 'constructs';
import { REPO_ROOT } from '../lib/repo-root.js';
import { NAMESPACE } from '../names.js';

/** Props of {@link ChartRelease}. */
export interface ChartReleaseProps {
  /** Folder under charts/ (`postgres-shard`, `redis`). */
  readonly chart: string;
  /** Helm release name; with `fullnameOverride` set to it, also the prefix of every object name. */
  readonly releaseName: string;
  /** Values on top of the chart's values.yaml. */
  readonly values: Readonly<Record<string, unknown>>;
  /**
   * The helm binary.
   * @default the `HELM` environment variable, else `helm` on the PATH
   */
  readonly helmExecutable?: string;
}

/**
 * One release of a chart from charts/, rendered by the real `helm template` during synthesis
 * (cdk8s's `Helm` construct), so the manifests contain exactly what the chart renders.
 * `fullnameOverride` is the release name: objects are `postgres-shard0-rw`, not
 * `postgres-shard0-postgres-shard-rw`.
 */
export class ChartRelease extends Construct {
  constructor(scope: Construct, id: string, props: ChartReleaseProps) {
    super(scope, id);
    new Helm(this, 'helm', {
      chart: join(REPO_ROOT, 'charts', props.chart),
      releaseName: props.releaseName,
      namespace: NAMESPACE,
      values: { ...props.values, fullnameOverride: props.releaseName },
      helmExecutable: props.helmExecutable ?? process.env.HELM ?? 'helm',
    });
  }
}
