import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  type DeployPlan,
  PLAN_PATH,
  type PlanStep,
  planProblems,
} from '../../scripts/cluster/deploy/plan.js';
import type { K8sObject } from '../support/k8s-manifests.js';

// deploy/plan.json is the one list of deployment steps that `npm run cluster -- deploy` and the
// Tiltfile both follow (tests/unit/tiltfile.test.ts checks that the Tiltfile does).

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const plan = JSON.parse(readFileSync(join(root, PLAN_PATH), 'utf8')) as DeployPlan;
const exists = (file: string) => existsSync(join(root, file));
const allSteps = [...plan.steps, ...plan.optionalSteps];
const objectsOf = (step: PlanStep): K8sObject[] =>
  (step.apply ?? []).flatMap((file) =>
    parseAllDocuments(readFileSync(join(root, file), 'utf8'))
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null),
  );

/** Every image of the pod templates of `objects`. */
function imagesOf(objects: K8sObject[]): string[] {
  return objects.flatMap((o) => {
    const pod = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
    return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])].map(
      (c: { image: string }) => c.image,
    );
  });
}

/** The steps `step` comes after, directly or not. */
function before(step: PlanStep): Set<string> {
  const seen = new Set<string>();
  const todo = [...step.after];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    todo.push(...(allSteps.find((s) => s.name === next)?.after ?? []));
  }
  return seen;
}

describe(PLAN_PATH, () => {
  it('has no problems', () => {
    expect(planProblems(plan, exists)).toEqual([]);
  });

  it('applies every k8s/dev file in exactly one step or optional step', () => {
    const files = readdirSync(join(root, 'k8s/dev'))
      .filter((f) => f.endsWith('.k8s.yaml'))
      .map((f) => `k8s/dev/${f}`)
      .sort();
    const applied = allSteps.flatMap((s) => s.apply ?? []);
    expect([...applied].sort()).toEqual(files);
    expect(new Set(applied).size).toBe(applied.length);
  });

  it('builds exactly the shardgate images its manifests name', () => {
    const named = new Set(
      imagesOf(allSteps.flatMap(objectsOf)).filter((i) => i.startsWith('shardgate/')),
    );
    expect([...named].sort()).toEqual(plan.images.map((i) => i.ref).sort());
    for (const image of plan.images) {
      expect(image.dockerfile).toBe(`Dockerfile.${image.service}`);
      // Live Update syncs into the service's Deployment, which runs the image.
      const deployment = allSteps
        .flatMap(objectsOf)
        .find((o) => o.kind === 'Deployment' && o.metadata.name === image.service);
      expect(imagesOf(deployment ? [deployment] : []), image.service).toContain(image.ref);
    }
  });

  it('creates every namespace before a step puts anything in it', () => {
    // Which step creates each Namespace; `default` and the like exist from the start.
    const creator = new Map<string, string>();
    for (const step of allSteps) {
      for (const o of objectsOf(step))
        if (o.kind === 'Namespace') creator.set(o.metadata.name, step.name);
    }
    for (const step of allSteps) {
      const earlier = before(step);
      for (const o of objectsOf(step)) {
        const ns = o.metadata.namespace;
        const made = ns === undefined ? undefined : creator.get(ns);
        if (made === undefined || made === step.name) continue;
        expect(
          earlier.has(made),
          `${step.name}: ${o.kind} ${ns}/${o.metadata.name} needs step ${made}`,
        ).toBe(true);
      }
    }
  });

  it('names as the gateway a Service that a step applies, on that port', () => {
    const { gateway } = plan;
    const service = plan.steps
      .flatMap(objectsOf)
      .find(
        (o) =>
          o.kind === 'Service' &&
          o.metadata.name === gateway.service &&
          o.metadata.namespace === gateway.namespace,
      );
    expect(service?.spec?.ports?.map((p: { port: number }) => p.port)).toContain(gateway.port);
    expect(gateway.localPort).toBeGreaterThan(1024); // no privileges needed to listen
  });
});

describe('planProblems (the checker itself)', () => {
  const step = (name: string, more: Partial<PlanStep> = {}): PlanStep => ({
    name,
    apply: ['k8s/dev/namespace.k8s.yaml'],
    after: [],
    ...more,
  });
  const problems = (steps: PlanStep[], more: Partial<DeployPlan> = {}) =>
    planProblems({ ...plan, steps, optionalSteps: [], ...more }, exists);

  it('accepts a sound plan', () => {
    expect(problems([step('a'), step('b', { after: ['a'] })])).toEqual([]);
  });

  it('rejects an `after` naming an unknown step, or a later one', () => {
    expect(problems([step('a', { after: ['nope'] })])).toEqual([
      'step a comes after nope, which is not an earlier step',
    ]);
    expect(problems([step('a', { after: ['b'] }), step('b')])).toEqual([
      'step a comes after b, which is not an earlier step',
    ]);
  });

  it('rejects a step that both applies and runs, or does neither', () => {
    expect(problems([step('a', { run: ['true'] })])).toEqual([
      'step a must either apply manifests or run a command',
    ]);
    expect(problems([step('a', { apply: [] })])).toContain(
      'step a must either apply manifests or run a command',
    );
  });

  it('rejects a missing file, a duplicate name, a wait without manifests, a missing Dockerfile', () => {
    expect(problems([step('a', { apply: ['k8s/dev/nope.k8s.yaml'] })])).toEqual([
      'step a applies k8s/dev/nope.k8s.yaml, which does not exist',
    ]);
    expect(problems([step('a'), step('a')])).toEqual(['step a is declared twice']);
    expect(problems([step('a', { apply: undefined, run: ['true'], wait: 'ready' })])).toEqual([
      'step a waits but applies nothing',
    ]);
    expect(
      problems([step('a')], {
        images: [{ ref: 'shardgate/x:1', dockerfile: 'Dockerfile.nope', service: 'x' }],
      }),
    ).toEqual(['image shardgate/x:1: no Dockerfile.nope']);
  });
});
