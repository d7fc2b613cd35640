/**
 * The few kubectl steps the operator's Postgres scripts share: apply objects (a Pod Security
 * warning is an error) and wait for a Job.
 * @packageDocumentation
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandOptions, CommandResult } from '../cluster/command.js';

/** kubectl bound to a cluster and namespace. */
export type Kubectl = (args: readonly string[], options?: CommandOptions) => Promise<CommandResult>;

/** Applies `objects` in `ns`; a Pod Security warning fails it (a warning today is a refusal later). */
export async function applyObjects(
  k: Kubectl,
  ns: string,
  objects: readonly object[],
): Promise<void> {
  const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
  const { stderr } = await k(['apply', '-n', ns, '-f', '-'], { input });
  const podSecurity = stderr.split('\n').filter((line) => line.includes('PodSecurity'));
  if (podSecurity.length > 0) throw new Error(`Pod Security warnings:\n${podSecurity.join('\n')}`);
}

/**
 * Waits until the Job succeeded, reading its status every `pollMs`; throws with its pod's output
 * when it failed or timed out.
 */
export async function waitForJob(
  k: Kubectl,
  ns: string,
  name: string,
  timeoutMs: number,
  pollMs = 2000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await k([
      'get',
      'job',
      name,
      '-n',
      ns,
      '-o',
      'jsonpath={.status.succeeded}/{.status.failed}',
    ]);
    const [succeeded, failed] = stdout.split('/');
    if (Number(succeeded) > 0) return;
    if (Number(failed) > 0 || Date.now() > deadline) {
      const logs = await k(['logs', `job/${name}`, '-n', ns, '--tail=30']).then(
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
