/** The real `helm` (on PATH) run on the charts of this repository, for the chart tests. */
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './k8s-environment.js';
import type { K8sObject } from './k8s-manifests.js';

/** Runs helm from the repository root; never throws (the caller reads status and stderr). */
export function helm(args: readonly string[]) {
  const r = spawnSync('helm', args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/**
 * `helm template <release> <chart> <args...>`, parsed into objects.
 * @throws Error with Helm's message when the render fails or helm cannot run
 */
export function helmTemplate(release: string, chart: string, args: readonly string[]): K8sObject[] {
  const r = helm(['template', release, chart, ...args]);
  if (r.error) throw new Error(`helm could not run: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw new Error(`helm template ${chart} failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(d.errors.join('; '));
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o != null);
}

/** The objects `helm template test <chart> -f <values>` renders. */
export function renderChart(chart: string, values: string): K8sObject[] {
  return helmTemplate('test', chart, ['-f', values]);
}
