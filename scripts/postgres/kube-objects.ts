/**
 * The few kubectl steps the operator's Postgres scripts share: apply objects (a Pod Security
 * warning is an error) and wait for a Job.
 * @packageDocumentation
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from './kube-client.js';

/**
 * Applies `objects` in the client's namespace; a Pod Security warning fails it (a warning today
 * is a refusal later).
 */
export async function applyObjects(kube: KubeClient, objects: readonly object[]): Promise<void> {
  const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
  const { stderr } = await kube.run(['apply', '-f', '-'], { input });
  const podSecurity = stderr.split('\n').filter((line) => line.includes('PodSecurity'));
  if (podSecurity.length > 0) throw new Error(`Pod Security warnings:\n${podSecurity.join('\n')}`);
}

/**
 * Waits until the Job succeeded, reading its status every `pollMs`; throws with its pod's output
 * when it failed or timed out.
 */
export async function waitForJob(
  kube: KubeClient,
  name: string,
  timeoutMs: number,
  pollMs = 2000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await kube.run([
      'get',
      'job',
      name,
      '-o',
      'jsonpath={.status.succeeded}/{.status.failed}',
    ]);
    const [succeeded, failed] = stdout.split('/');
    if (Number(succeeded) > 0) return;
    if (Number(failed) > 0 || Date.now() > deadline) {
      const logs = await kube.run(['logs', `job/${name}`, '--tail=30']).then(
        (r) => r.stdout + r.stderr,
        (error: Error) => `(no logs: ${error.message})`,
      );
      throw new Error(
        `job ${name} ${Number(failed) > 0 ? 'failed' : 'did not finish in time'}; its pod printed:\n${logs}`,
      );
    }
    // a Job's status changes a handful of times: polling its one field is cheap
    await sleep(pollMs);
  }
}
