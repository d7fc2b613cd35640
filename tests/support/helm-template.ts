/** Rendering a chart of charts/ with the real `helm template`, for tests that read its objects. */
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './k8s-environment.js';
import type { K8sObject } from './k8s-manifests.js';

/**
 * `helm template <release> <chart> <args...>` from the repository root, parsed.
 * @throws Error with Helm's message when the render fails or helm cannot run
 */
export function helmTemplate(release: string, chart: string, args: readonly string[]): K8sObject[] {
  const r = spawnSync('helm', ['template', release, chart, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) throw new Error(`helm could not run: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw new Error(`helm template ${chart} failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(d.errors.join('; '));
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o != null);
}
