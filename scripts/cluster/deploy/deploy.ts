import { join } from 'node:path';
import { CommandError, runCommand } from '../command.js';
import { applyManifest, type KubectlRun, kubectl, waitForJob } from '../kubectl.js';
import { type DeployPlan, loadPlan, type PlanStep } from './plan.js';
import { type ManifestObject, normalizeImageRef, readManifestObjects } from './workloads.js';

/** What a deploy needs from the cluster and the image builders. */
export interface DeployTarget {
  readonly repoRoot: string;
  readonly kubectlPath: string;
  readonly kubeconfig: string;
  /**
   * Builds every image the plan's manifests name (the plan's own images from their Dockerfiles,
   * the third-party stand-ins) and loads them into the node.
   */
  loadImages(plan: DeployPlan): Promise<LoadedImages>;
}

/** What the node holds after {@link DeployTarget.loadImages}. */
export interface LoadedImages {
  /** Every reference the node holds (as containerd names them: `docker.io/library/…`). */
  readonly present: ReadonlySet<string>;
  /** References whose content this load changed: running pods of those must restart. */
  readonly changed: ReadonlySet<string>;
}

/** How long one step may take to be done, on a loaded two-core machine. */
const STEP_TIMEOUT_MS = 10 * 60_000;

/**
 * Deploys the plan: images first, then each step in order, each waited for as it says. Fails on
 * the first step that does not get done in time, with the state of its pods, or when an apply
 * draws a Pod Security warning (the manifests must satisfy "restricted" silently).
 */
export async function deployPlan(target: DeployTarget): Promise<DeployPlan> {
  const plan = loadPlan(target.repoRoot);
  const k: KubectlRun = (args, options) =>
    kubectl(target.kubectlPath, target.kubeconfig, args, options);
  const started = Date.now();
  const { present, changed } = await target.loadImages(plan);
  const missing = imagesNamedBy(plan, target.repoRoot).filter(
    (ref) => !present.has(normalizeImageRef(ref)),
  );
  if (missing.length > 0) {
    throw new Error(
      `the node lacks images the manifests name (no registry is reachable): ${missing.join(', ')}`,
    );
  }
  log(`images loaded (${seconds(started)})`);
  for (const step of plan.steps) {
    const stepStarted = Date.now();
    const objects = (step.apply ?? []).flatMap((file) =>
      readManifestObjects(join(target.repoRoot, file)),
    );
    if (step.run) await runStep(target, step);
    // Jobs run once per deploy, as under Tilt: a Job's pod template is immutable and its name only
    // changes with its spec, so a finished Job would otherwise never run a rebuilt image.
    if (step.wait === 'complete') await deleteJobs(k, objects, plan.namespace);
    const stale = await existingWorkloadsUsing(k, objects, plan.namespace, changed);
    for (const file of step.apply ?? []) {
      for (const warning of await applyManifest(k, { file: join(target.repoRoot, file) })) {
        console.warn(`deploy: ${file}: ${warning}`);
      }
    }
    // Same tag, new content: `apply` changes nothing, so the pods are restarted to pick it up.
    for (const workload of stale)
      await k(['rollout', 'restart', workload.ref, '-n', workload.namespace]);
    if (step.wait) await waitFor(k, step, objects, plan.namespace);
    log(`${step.name} done (${seconds(stepStarted)})`);
  }
  log(`deployed in ${seconds(started)}`);
  return plan;
}

function log(message: string): void {
  console.log(`deploy: ${message}`);
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** Every image the pod templates of the plan's (non-optional) manifests name. */
function imagesNamedBy(plan: DeployPlan, repoRoot: string): string[] {
  const images = new Set<string>();
  for (const step of plan.steps) {
    for (const file of step.apply ?? []) {
      for (const object of readManifestObjects(join(repoRoot, file))) {
        for (const image of object.images) images.add(image);
      }
    }
  }
  return [...images];
}

/** Runs a step's command with the cluster's kubectl first on the PATH and its kubeconfig. */
async function runStep(target: DeployTarget, step: PlanStep): Promise<void> {
  const [command, ...args] = step.run as readonly string[];
  await runCommand(command as string, args, {
    cwd: target.repoRoot,
    echo: true,
    env: {
      KUBECONFIG: target.kubeconfig,
      PATH: `${join(target.kubectlPath, '..')}:${process.env.PATH ?? ''}`,
    },
  });
}

async function deleteJobs(
  k: KubectlRun,
  objects: readonly ManifestObject[],
  namespace: string,
): Promise<void> {
  for (const job of objects.filter((o) => o.kind === 'Job')) {
    await k([
      'delete',
      'job',
      job.name,
      '-n',
      job.namespace ?? namespace,
      '--ignore-not-found',
      '--wait=true',
    ]);
  }
}

/** The rolled-out workloads that already exist and run one of the `changed` images. */
async function existingWorkloadsUsing(
  k: KubectlRun,
  objects: readonly ManifestObject[],
  namespace: string,
  changed: ReadonlySet<string>,
): Promise<{ ref: string; namespace: string }[]> {
  const stale = [];
  for (const object of objects) {
    if (!ROLLED_OUT_KINDS.has(object.kind)) continue;
    if (!object.images.some((image) => changed.has(normalizeImageRef(image)))) continue;
    const ref = `${object.kind.toLowerCase()}/${object.name}`;
    const ns = object.namespace ?? namespace;
    const { stdout } = await k(['get', ref, '-n', ns, '--ignore-not-found', '-o', 'name']);
    if (stdout.trim()) stale.push({ ref, namespace: ns });
  }
  return stale;
}

/** Waits until the step's workloads are rolled out (`ready`) or its Jobs complete (`complete`). */
async function waitFor(
  k: KubectlRun,
  step: PlanStep,
  objects: readonly ManifestObject[],
  namespace: string,
): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  try {
    for (const object of objects) {
      const ns = object.namespace ?? namespace;
      if (step.wait === 'complete' && object.kind === 'Job')
        await waitForJob(k, { name: object.name, namespace: ns }, deadline - Date.now());
      if (step.wait === 'ready' && ROLLED_OUT_KINDS.has(object.kind)) {
        const timeout = `${Math.max(1, Math.round((deadline - Date.now()) / 1000))}s`;
        await k([
          'rollout',
          'status',
          `${object.kind.toLowerCase()}/${object.name}`,
          '-n',
          ns,
          `--timeout=${timeout}`,
        ]);
      }
    }
  } catch (error) {
    throw new Error(
      `step ${step.name} did not get done: ${(error as Error).message}\n${await diagnose(k, objects, namespace)}`,
    );
  }
}

const ROLLED_OUT_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/** The pods of the namespaces a step touched, and the logs of those not ready: what CI shows. */
async function diagnose(
  k: KubectlRun,
  objects: readonly ManifestObject[],
  namespace: string,
): Promise<string> {
  const namespaces = new Set(objects.map((o) => o.namespace ?? namespace));
  const parts: string[] = [];
  for (const ns of namespaces) {
    const tryRun = async (args: string[]) => {
      try {
        return (await k(args)).stdout;
      } catch (error) {
        return error instanceof CommandError ? error.message : String(error);
      }
    };
    parts.push(await tryRun(['get', 'pods', '-n', ns, '-o', 'wide']));
    parts.push(await tryRun(['get', 'events', '-n', ns, '--sort-by=.lastTimestamp']));
    const { stdout } = await k([
      'get',
      'pods',
      '-n',
      ns,
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}',
    ]).catch(() => ({ stdout: '' }));
    for (const pod of stdout.split('\n').filter(Boolean)) {
      parts.push(`--- logs of ${ns}/${pod}`);
      parts.push(await tryRun(['logs', '-n', ns, pod, '--all-containers', '--tail=40']));
    }
  }
  return parts.join('\n');
}
