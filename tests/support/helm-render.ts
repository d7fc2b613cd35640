/** `helm template` of a chart of this repository, parsed into objects, for the chart tests. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from './k8s-manifests.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** Runs helm (the real one, on PATH) from the repository root. */
export function helm(args: string[]) {
  const r = spawnSync('helm', args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** The objects `helm template test <chart> -f <values>` renders; fails the test when it cannot. */
export function renderChart(chart: string, values: string): K8sObject[] {
  const r = helm(['template', 'test', chart, '-f', values]);
  expect(r.error).toBeUndefined();
  expect(r.status, r.stderr).toBe(0);
  const docs = parseAllDocuments(r.stdout);
  for (const d of docs) expect(d.errors, String(d.errors)).toEqual([]);
  return docs.map((d) => d.toJS() as K8sObject | null).filter((m): m is K8sObject => m != null);
}
