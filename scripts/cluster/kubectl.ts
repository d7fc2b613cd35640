/**
 * kubectl as every script of the project runs it: one way to call it, one way to apply objects
 * (a Pod Security warning is an error) and one way to wait for a Job. The cluster scripts call it
 * cluster-wide through {@link kubectl}; the operator's scripts and the cluster suites through a
 * namespaced `KubeClient` (kube-client.ts), whose `run` has the same shape.
 * @packageDocumentation
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type CommandOptions, type CommandResult, runCommand } from './command.js';

/** Runs kubectl with these arguments; the output is returned, errors carry it. */
export type KubectlRun = (
  args: readonly string[],
  options?: CommandOptions,
) => Promise<CommandResult>;

/**
 * Runs a kubectl binary with a kubeconfig (none: kubectl's own choice, `KUBECONFIG` or
 * ~/.kube/config); the output is returned, errors carry it.
 */
export function kubectl(
  kubectlPath: string,
  kubeconfig: string | undefined,
  args: readonly string[],
  options?: CommandOptions,
): Promise<CommandResult> {
  const config = kubeconfig ? [`--kubeconfig=${kubeconfig}`] : [];
  return runCommand(kubectlPath, [...config, ...args], options);
}

/**
 * What {@link applyManifest} applies: a manifest file, manifest text, or objects (sent as one
 * `List`).
 */
export type ManifestSource =
  | { readonly file: string }
  | { readonly yaml: string }
  | { readonly objects: readonly object[] };

/**
 * `kubectl apply`. A Pod Security warning is an error: every manifest must satisfy its
 * namespace's level silently (a warning today is a refused pod once the level is enforced). Other
 * warnings are returned for the caller to show.
 */
export async function applyManifest(run: KubectlRun, source: ManifestSource): Promise<string[]> {
  const { stderr } =
    'file' in source
      ? await run(['apply', '-f', source.file])
      : await run(['apply', '-f', '-'], {
          input:
            'yaml' in source
              ? source.yaml
              : JSON.stringify({ apiVersion: 'v1', kind: 'List', items: source.objects }),
        });
  const warnings = stderr.split('\n').filter((line) => line.startsWith('Warning:'));
  const podSecurity = warnings.filter((line) => line.includes('PodSecurity'));
  if (podSecurity.length > 0) {
    const what = 'file' in source ? source.file : 'the manifest';
    throw new Error(`applying ${what} drew Pod Security warnings:\n${podSecurity.join('\n')}`);
  }
  return warnings;
}

/** Which Job {@link waitForJob} waits for (no namespace: the runner's). */
export interface JobRef {
  readonly name: string;
  readonly namespace?: string;
}

/**
 * Waits until the Job is `Complete`, reading its conditions every `pollMs`; throws with the end
 * of its pod's output when it is `Failed` or `timeoutMs` passed first.
 */
export async function waitForJob(
  run: KubectlRun,
  job: JobRef,
  timeoutMs: number,
  pollMs = 1000,
): Promise<void> {
  const namespace = job.namespace ? ['-n', job.namespace] : [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await run([
      'get',
      'job',
      job.name,
      ...namespace,
      '-o',
      'jsonpath={.status.conditions[?(@.status=="True")].type}',
    ]);
    const conditions = stdout.split(/\s+/);
    if (conditions.includes('Complete')) return;
    const failed = conditions.includes('Failed');
    if (failed || Date.now() > deadline) {
      const logs = await run(['logs', `job/${job.name}`, ...namespace, '--tail=30']).then(
        (result) => result.stdout + result.stderr,
        (error: Error) => `(no logs: ${error.message})`,
      );
      throw new Error(
        `Job ${job.name} ${failed ? 'failed' : 'did not complete in time'}; its pod printed:\n${logs}`,
      );
    }
    // a Job's conditions change a handful of times: polling the one field is cheap
    await sleep(pollMs);
  }
}
