import type { KubeClient } from '../cluster/kube-client.js';
import { applyManifest, type ManifestSource, waitForJob } from '../cluster/kubectl.js';
import { primaryDataClaim, primaryImage, renderRelease } from './release-render.js';
import { LIST_SCRIPT, restoreJob } from './restore-job.js';
import { restoredReleasePolicies } from './restored-policies.js';
import { runToolJob } from './tool-job.js';

/** The label that marks what a restore made; `discardRestoredRelease` deletes only such releases. */
export const RESTORED_FROM_LABEL = 'shardgate.io/restored-from';

/** What {@link restoreRelease} needs. */
export interface RestoreOptions {
  /** kubectl in the namespace of both releases. */
  readonly kube: KubeClient;
  /** The release whose backup volume (`<from>-backups`) holds the backup. */
  readonly from: string;
  /** The fresh release to create from the backup. */
  readonly to: string;
  /** The values `to` is installed with: the source's (its name aside). */
  readonly values: Readonly<Record<string, unknown>>;
  /** The backup's folder name; empty: the newest. */
  readonly backup: string;
  /** How long the restore Job and then each StatefulSet may take. */
  readonly timeoutMs: number;
  /** Progress lines (stderr); the result is returned. */
  readonly log: (line: string) => void;
}

/** What the restore Job reported, plus how long the whole restore took. */
export interface RestoreResult {
  readonly backup: string;
  readonly bytes: number;
  readonly release: string;
  readonly durationMs: number;
}

/**
 * Restores a base backup of `from` into the fresh release `to`, in order: refuses when anything
 * of `to` exists; renders `to` from the chart; creates its primary's data volume from the
 * render's claim template; runs the restore Job into it; applies the release and the policies its
 * pods need; waits until its primary and standbys are Ready. A failed restore Job is kept for its
 * logs, with the volume; nothing of the release is applied then.
 */
export async function restoreRelease(options: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const { kube, from, to } = options;
  const ns = kube.namespace;
  const apply = async (source: ManifestSource) => {
    for (const warning of await applyManifest(kube.run, source)) options.log(warning);
  };
  if (from === to)
    throw new Error('a backup is restored into a new release, never over its source');
  await refuseExisting(kube, to);
  await kube.run(['get', 'pvc', `${from}-backups`, '-o', 'name']).catch((error: Error) => {
    throw new Error(`no backup volume ${from}-backups in ${ns}: ${error.message}`);
  });

  const rendered = await renderRelease(to, ns, options.values);
  const labels = {
    'app.kubernetes.io/name': 'postgres-shard',
    'app.kubernetes.io/instance': to,
    'app.kubernetes.io/part-of': 'shardgate',
    [RESTORED_FROM_LABEL]: from,
  };
  const claim = primaryDataClaim(rendered, to, { [RESTORED_FROM_LABEL]: from });
  await apply({ objects: [claim] });
  options.log(`created ${claim.metadata.name}`);

  const jobName = `${to}-restore`;
  const job = restoreJob({
    name: jobName,
    namespace: ns,
    labels: { ...labels, 'app.kubernetes.io/component': 'restore' },
    image: primaryImage(rendered, to),
    backupClaim: `${from}-backups`,
    dataClaim: claim.metadata.name,
    backup: options.backup,
  });
  await apply({ objects: [job] });
  options.log(`restore job ${jobName} started`);
  await waitForJob(kube.run, { name: jobName }, options.timeoutMs);
  const report = lastJsonLine((await kube.run(['logs', `job/${jobName}`])).stdout);
  options.log(`restored ${String(report.backup)} into ${claim.metadata.name}`);
  await kube.run(['delete', 'job', jobName, '--wait=false']);

  const port = Number((options.values.service as { port?: number } | undefined)?.port ?? 5432);
  await apply({ objects: restoredReleasePolicies(to, ns, labels, port) });
  // the text helm printed, not its parsed objects: YAML 1.2 would read `defaultMode: 0555` as 555
  await apply({ yaml: rendered.yaml });
  options.log(`applied release ${to}`);
  const timeout = `--timeout=${Math.ceil(options.timeoutMs / 1000)}s`;
  for (const set of rendered.objects.filter((o) => o.kind === 'StatefulSet')) {
    await kube.run(['rollout', 'status', `statefulset/${set.metadata.name}`, timeout], {
      timeoutMs: options.timeoutMs + 10_000,
    });
    options.log(`${set.metadata.name} ready`);
  }
  return {
    backup: String(report.backup),
    bytes: Number(report.bytes),
    release: to,
    durationMs: Date.now() - started,
  };
}

/**
 * The finished backups on `release`'s backup volume, oldest first, read by a short Job that
 * mounts it read-only (`image`: the release's own).
 */
export async function listBackups(
  kube: KubeClient,
  release: string,
  image: string,
  timeoutMs: number,
): Promise<{ name: string; bytes: number }[]> {
  const stdout = await runToolJob(
    kube,
    {
      name: `${release}-backup-list`,
      labels: {
        'app.kubernetes.io/name': 'postgres-shard',
        'app.kubernetes.io/instance': release,
        'app.kubernetes.io/component': 'backup-list',
      },
      image,
      script: LIST_SCRIPT,
      env: [],
      claims: { [`${release}-backups`]: ['/backups', true] },
    },
    timeoutMs,
  );
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { name: string; bytes: number });
}

/**
 * Deletes a release that a restore made (every object labelled with its instance, volumes
 * included). Refuses a release whose primary volume a restore did not create: a deployed
 * cluster is never deleted this way.
 */
export async function discardRestoredRelease(kube: KubeClient, release: string): Promise<void> {
  const claim = `data-${release}-primary-0`;
  const { stdout } = await kube.run(['get', 'pvc', claim, '--ignore-not-found', '-o', 'json']);
  const labels = stdout.trim()
    ? ((JSON.parse(stdout) as { metadata: { labels?: Record<string, string> } }).metadata.labels ??
      {})
    : {};
  if (stdout.trim() && !labels[RESTORED_FROM_LABEL]) {
    throw new Error(`${claim} was not made by a restore: refusing to delete ${release}`);
  }
  // no volume at all (a restore that failed early): only a release without a primary goes
  const primary = await kube.run([
    'get',
    'statefulset',
    `${release}-primary`,
    '--ignore-not-found',
    '-o',
    'name',
  ]);
  if (!stdout.trim() && primary.stdout.trim()) {
    throw new Error(
      `${release} has a primary but no ${claim} made by a restore: refusing to delete it`,
    );
  }
  const kinds =
    'statefulset,service,configmap,serviceaccount,poddisruptionbudget,cronjob,job,networkpolicy';
  const selector = `app.kubernetes.io/instance=${release}`;
  await kube.run(['delete', kinds, '-l', selector, '--wait=true', '--ignore-not-found']);
  await kube.run(['delete', 'pvc', '-l', selector, '--wait=true', '--ignore-not-found']);
}

/** Refuses a target of which any StatefulSet, volume or restore Job exists. */
async function refuseExisting(kube: KubeClient, release: string): Promise<void> {
  const { stdout } = await kube.run(['get', 'statefulsets,pvc,jobs', '-o', 'name']);
  const taken = stdout
    .split('\n')
    .filter(
      (ref) =>
        ref === `statefulset.apps/${release}-primary` ||
        ref === `statefulset.apps/${release}-standby` ||
        ref === `job.batch/${release}-restore` ||
        ref.startsWith(`persistentvolumeclaim/data-${release}-primary-`) ||
        ref.startsWith(`persistentvolumeclaim/data-${release}-standby-`) ||
        ref === `persistentvolumeclaim/${release}-backups`,
    );
  if (taken.length > 0) {
    throw new Error(
      `${release} is not fresh in ${kube.namespace} (${taken.join(', ')}): a restore never writes over an existing release`,
    );
  }
}

function lastJsonLine(output: string): Record<string, unknown> {
  const line = output.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}
