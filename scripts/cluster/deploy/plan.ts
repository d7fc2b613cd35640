import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What "done" means for a step: workloads rolled out and Ready, or Jobs complete. */
export type StepWait = 'ready' | 'complete';

/** One step of the deployment plan. */
export interface PlanStep {
  readonly name: string;
  /** Manifest files applied by the step (relative to the repository root). */
  readonly apply?: readonly string[];
  /** A command run by the step instead (from the repository root). */
  readonly run?: readonly string[];
  /** Steps that must be done first. */
  readonly after: readonly string[];
  readonly wait?: StepWait;
}

/** An image built from a Dockerfile of the repository. */
export interface PlanImage {
  /** The reference the manifests use. */
  readonly ref: string;
  readonly dockerfile: string;
  /** The service whose compiled files Tilt's Live Update syncs into it. */
  readonly service: string;
}

/** `deploy/plan.json`: the steps that `npm run cluster -- deploy` and the Tiltfile both follow. */
export interface DeployPlan {
  readonly namespace: string;
  readonly images: readonly PlanImage[];
  readonly steps: readonly PlanStep[];
  /** Steps only Tilt runs, on request. */
  readonly optionalSteps: readonly PlanStep[];
  /** The ingress controller's Service, for the port-forward that reaches the gateway. */
  readonly gateway: {
    readonly namespace: string;
    readonly service: string;
    readonly port: number;
    readonly localPort: number;
  };
}

/** The plan's path under the repository root. */
export const PLAN_PATH = 'deploy/plan.json';

/**
 * Reads and checks the plan: step names unique, each step either applies files or runs a command,
 * every file present, every `after` names an earlier step (so the file order is a valid order).
 */
export function loadPlan(repoRoot: string): DeployPlan {
  const plan = JSON.parse(readFileSync(join(repoRoot, PLAN_PATH), 'utf8')) as DeployPlan;
  const problems = planProblems(plan, (file) => existsSync(join(repoRoot, file)));
  if (problems.length > 0) throw new Error(`${PLAN_PATH} is invalid:\n- ${problems.join('\n- ')}`);
  return plan;
}

/** Every inconsistency of a plan, as sentences; empty when it is sound. */
export function planProblems(plan: DeployPlan, fileExists: (file: string) => boolean): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const step of [...plan.steps, ...plan.optionalSteps]) {
    if (seen.has(step.name)) problems.push(`step ${step.name} is declared twice`);
    if (Boolean(step.apply?.length) === Boolean(step.run?.length)) {
      problems.push(`step ${step.name} must either apply manifests or run a command`);
    }
    for (const file of step.apply ?? []) {
      if (!fileExists(file))
        problems.push(`step ${step.name} applies ${file}, which does not exist`);
    }
    for (const dependency of step.after) {
      if (!seen.has(dependency)) {
        problems.push(`step ${step.name} comes after ${dependency}, which is not an earlier step`);
      }
    }
    if (step.wait && !step.apply) problems.push(`step ${step.name} waits but applies nothing`);
    seen.add(step.name);
  }
  for (const image of plan.images) {
    if (!fileExists(image.dockerfile)) problems.push(`image ${image.ref}: no ${image.dockerfile}`);
  }
  return problems;
}
