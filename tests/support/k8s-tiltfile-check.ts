/**
 * Runs tilt/check_tiltfile.py (the Tiltfile against stand-ins of Tilt's built-ins, in Python: no
 * Tilt, cluster or container engine needed) and reads its report: the recorded calls, the objects
 * applied, and the resource graph they make. Used by tests/unit/tiltfile.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { PodSpec } from './k8s-manifests.js';

/** One object as the Tiltfile sees it. */
export interface TiltObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** One recorded call of a Tilt built-in, its arguments bound to Tilt's parameter names. */
export interface Call {
  fn: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** What check_tiltfile.py prints (see its docstring). */
export interface Report {
  violations: string[];
  paths: { fn: string; path: string }[];
  missing: string[];
  calls: Call[];
  applied: TiltObject[];
  error: string | null;
}

/** Kinds Tilt makes a resource of by themselves. */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod'];

/** Runs python3 in `cwd`; throws a helpful error when Python is missing. */
export function python3(cwd: string, args: string[]) {
  const r = spawnSync('python3', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) {
    throw new Error(`python3 is required (scripts/bootstrap.sh installs it): ${r.error.message}`);
  }
  return r;
}

/** The documents of a YAML file, throwing on any parse error. */
export function readDocs(path: string): TiltObject[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${path}: ${String(d.errors)}`);
  }
  return docs.map((d) => d.toJS() as TiltObject | null).filter((o): o is TiltObject => o != null);
}

/** `Kind/name` of an object. */
export const key = (o: TiltObject) => `${o.kind}/${o.metadata.name}`;

/** The pod spec of a workload (or of a Pod). */
export const podSpecOf = (o: TiltObject): PodSpec | undefined =>
  o.kind === 'Pod'
    ? (o.spec as unknown as PodSpec)
    : (o.spec?.template as { spec?: PodSpec } | undefined)?.spec;

/** The recorded calls of one built-in. */
export const calls = (report: Report, fn: string) => report.calls.filter((c) => c.fn === fn);

/** One bound argument of a call. */
export const kw = <T>(c: Call, name: string) => c.kwargs[name] as T;

/** Every resource name Tilt would show: workloads, local resources, renamed or grouped objects. */
export function resourceNames(report: Report): Set<string> {
  const names = new Set(
    report.applied.filter((o) => WORKLOAD_KINDS.includes(o.kind)).map((o) => o.metadata.name),
  );
  for (const c of calls(report, 'local_resource')) names.add(kw<string>(c, 'name'));
  for (const c of calls(report, 'k8s_resource')) {
    const newName = kw<string | undefined>(c, 'new_name');
    if (newName) {
      names.add(newName);
      // A renamed workload is known by its new name only.
      const workload = kw<string>(c, 'workload');
      if (workload) names.delete(workload);
    }
  }
  return names;
}

/** The names of the migration resources: the Jobs' stable `app.kubernetes.io/name` labels. */
export function migrationResources(report: Report): string[] {
  const jobs = new Set(report.applied.filter((o) => o.kind === 'Job').map((o) => o.metadata.name));
  return calls(report, 'k8s_resource')
    .filter((c) => jobs.has(kw<string>(c, 'workload')))
    .map((c) => kw<string>(c, 'new_name'));
}

/** resource -> its resource_deps, for every resource configured in the Tiltfile. */
export function dependencyGraph(report: Report): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const c of calls(report, 'local_resource')) {
    graph.set(kw<string>(c, 'name'), kw<string[] | undefined>(c, 'resource_deps') ?? []);
  }
  for (const c of calls(report, 'k8s_resource')) {
    const name = kw<string | undefined>(c, 'new_name') || kw<string>(c, 'workload');
    graph.set(name, kw<string[] | undefined>(c, 'resource_deps') ?? []);
  }
  return graph;
}

/** Every resource `name` waits for, directly or not. */
export function ancestors(graph: Map<string, string[]>, name: string): Set<string> {
  const seen = new Set<string>();
  const todo = [...(graph.get(name) ?? [])];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    todo.push(...(graph.get(next) ?? []));
  }
  return seen;
}

/** Paths built by `npm run build` rather than committed: fine when their tsconfig emits there. */
export function isBuildOutput(root: string, missing: string): boolean {
  const m = /: (services\/[a-z]+)\/dist$/.exec(missing);
  if (!m?.[1]) return false;
  const tsconfig = JSON.parse(readFileSync(join(root, m[1], 'tsconfig.json'), 'utf8')) as {
    compilerOptions?: { outDir?: string };
  };
  return tsconfig.compilerOptions?.outDir === 'dist';
}
