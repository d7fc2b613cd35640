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
 * The rule groups of charts/shardgate-monitoring/files/alert-rules.yaml with `runbookBaseUrl` put
 * in front of every `runbook_url` (the file holds repository paths), exactly as the chart's
 * PrometheusRule template does.
 * @throws Error when the file is not a list of groups of named alerts with an expression
 */
export function alertRuleGroups(runbookBaseUrl: string): RuleGroup[] {
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
      const runbook = rule.annotations?.runbook_url;
      return runbook === undefined
        ? rule
        : {
            ...rule,
            annotations: { ...rule.annotations, runbook_url: `${runbookBaseUrl}${runbook}` },
          };
    }),
  }));
}
