/**
 * The alerting rules of charts/shardgate-monitoring/files/alert-rules.yaml and their promtool
 * suite, parsed, for the tests that check them and the objects rendered from them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './k8s-environment.js';

/** The chart the rules and their tests belong to. */
export const MONITORING_CHART = join(REPO_ROOT, 'charts', 'shardgate-monitoring');

/** The rules file: the one source of every PrometheusRule. */
export const RULES_FILE = join(MONITORING_CHART, 'files', 'alert-rules.yaml');

/** The `promtool test rules` suite of {@link RULES_FILE}. */
export const RULES_TEST_FILE = join(MONITORING_CHART, 'tests', 'alert-rules.test.yaml');

/** One alerting rule as the file declares it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** The rule groups of the rules file, as parsed. */
export function ruleGroups(): { name: string; rules: AlertRule[] }[] {
  return (
    parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { name: string; rules: AlertRule[] }[] }
  ).groups;
}

/** Every alerting rule of the rules file. */
export function alertRules(): AlertRule[] {
  return ruleGroups().flatMap((g) => g.rules);
}

/** One `alert_rule_test` of the promtool suite. */
export interface AlertCase {
  readonly alertname: string;
  readonly eval_time: string;
  readonly exp_alerts?: readonly unknown[];
}

/** Every `alert_rule_test` of the promtool suite. */
export function alertCases(): AlertCase[] {
  const suite = parse(readFileSync(RULES_TEST_FILE, 'utf8')) as {
    tests: { alert_rule_test?: AlertCase[] }[];
  };
  return suite.tests.flatMap((t) => t.alert_rule_test ?? []);
}

/**
 * The anchors of a Markdown file's headings as GitHub makes them: lower case, punctuation other
 * than `-` and `_` dropped, spaces turned into `-`.
 */
export function markdownAnchors(text: string): Set<string> {
  return new Set(
    [...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
      (m[1] as string)
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}
