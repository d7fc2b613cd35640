/**
 * Runs `npm run db:failover`'s script as an operator would (a child process with the cluster's
 * kubectl and kubeconfig), following its progress line by line.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FailoverReport } from '../../../scripts/postgres/failover.js';
import { REPO_ROOT } from '../../support/k8s-environment.js';
import type { Kube } from './kube.js';

/** What the script printed and reported. */
export interface FailoverRun {
  readonly report: FailoverReport;
  /** Its progress lines (stderr). */
  readonly progress: string[];
}

/**
 * Runs the script on `release` with `args`; `onProgress` sees each progress line as it comes.
 * Rejects with everything it printed when it exits non-zero or takes longer than `timeoutMs`.
 */
export function runFailover(
  kube: Kube,
  release: string,
  args: readonly string[],
  onProgress: (line: string) => void = () => undefined,
  timeoutMs = 600_000,
): Promise<FailoverRun> {
  const child = spawn(
    join(REPO_ROOT, 'node_modules/.bin/tsx'),
    [
      'scripts/postgres/failover-cli.ts',
      release,
      '--namespace',
      kube.namespace,
      '--kubeconfig',
      kube.info.kubeconfig,
      ...args,
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, KUBECTL: kube.info.kubectl },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    },
  );
  const progress: string[] = [];
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    progress.push(line);
    console.log(line);
    onProgress(line);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) {
        reject(new Error(`db:failover exited ${code}:\n${progress.join('\n')}\n${stdout}`));
        return;
      }
      resolve({ report: JSON.parse(stdout.trim()) as FailoverReport, progress });
    });
  });
}
