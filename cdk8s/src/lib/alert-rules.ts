import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { AlertingRule, RuleGroup } from './prometheus-operator-types.js';
import { REPO_ROOT } from './repo-root.js';

/**
 * The chart whose files hold the alerts and whose values hold the monitoring defaults: the cdk8s
 * objects are built from the same sources as the chart's, so the two cannot drift apart.
 */
export const MONITORING_CHART_DIR = join(REPO_ROOT, 'charts', 'shardgate-monitoring');

/** The defaults of charts/shardgate-monitoring/values.yaml that the cdk8s objects share. */
export interface MonitoringChartDefaults {
  /** `podMonitors.interval`. */
  readonly scrapeInterval: string;
  /** `rules.runbookBaseUrl`. */
  readonly runbookBaseUrl: string;
}

/** Reads {@link MonitoringChartDefaults} from the chart's values.yaml. */
export function monitoringChartDefaults(): MonitoringChartDefaults {
  const values = parse(readFileSync(join(MONITORING_CHART_DIR, 'values.yaml'), 'utf8')) as {
    podMonitors?: { interval?: unknown };
    rules?: { runbookBaseUrl?: unknown };
  };
  const scrapeInterval = values.podMonitors?.interval;
  const runbookBaseUrl = values.rules?.runbookBaseUrl;
  if (typeof scrapeInterval !== 'string' || typeof runbookBaseUrl !== 'string') {
    throw new Error(
      'charts/shardgate-monitoring/values.yaml: podMonitors.interval and rules.runbookBaseUrl must be strings',
    );
  }
  return { scrapeInterval, runbookBaseUrl };
}

/**
 * The namespace the rules file is written for: every selector of its expressions carries exactly
 * `namespace="shardgate"` (tests/unit/monitoring-rules.test.ts), which the renderers replace with
 * the namespace the objects go to, so that a deployment in another namespace is watched too.
 */
export const RULES_FILE_NAMESPACE = 'shardgate';

/** `expr` with the rules file's namespace matcher pointing at `namespace` instead. */
export function scopeToNamespace(expr: string, namespace: string): string {
  return expr.replaceAll(`namespace="${RULES_FILE_NAMESPACE}"`, `namespace="${namespace}"`);
}

/**
 * The rule groups of charts/shardgate-monitoring/files/alert-rules.yaml with `runbookBaseUrl` put
 * in front of every `runbook_url` (the file holds repository paths) and every selector scoped to
 * `namespace`, exactly as the chart's PrometheusRule template does with its release namespace.
 * @throws Error when the file is not a list of groups of named alerts with an expression
 */
export function alertRuleGroups(runbookBaseUrl: string, namespace: string): RuleGroup[] {
  const file = join(MONITORING_CHART_DIR, 'files', 'alert-rules.yaml');
  const parsed = parse(readFileSync(file, 'utf8')) as { groups?: RuleGroup[] };
  if (!Array.isArray(parsed.groups) || parsed.groups.length === 0) {
    throw new Error(`${file}: no rule groups`);
  }
  return parsed.groups.map((group) => ({
    ...group,
    rules: group.rules.map((rule): AlertingRule => {
      if (!rule.alert || !rule.expr)
        throw new Error(`${file}: a rule of ${group.name} lacks alert or expr`);
      const scoped = { ...rule, expr: scopeToNamespace(rule.expr, namespace) };
      const runbook = rule.annotations?.runbook_url;
      return runbook === undefined
        ? scoped
        : {
            ...scoped,
            annotations: { ...rule.annotations, runbook_url: `${runbookBaseUrl}${runbook}` },
          };
    }),
  }));
}
