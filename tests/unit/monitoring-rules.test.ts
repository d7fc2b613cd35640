import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { scopeToNamespace } from '../../cdk8s/src/lib/alert-rules.js';
import type { RuleGroup } from '../../cdk8s/src/lib/prometheus-operator-types.js';
import {
  alertCases,
  alertRules,
  MONITORING_CHART,
  markdownAnchors,
  RULES_FILE,
  RULES_TEST_FILE,
} from '../support/alert-rules.js';
import { exportedSeries } from '../support/exported-metrics.js';
import { REPO_ROOT } from '../support/k8s-environment.js';
import { namesOf, unknownNames } from '../support/promql-names.js';
import { promtool } from '../support/promtool.js';

// The alerting rules (charts/shardgate-monitoring/files/alert-rules.yaml) are checked by the real
// promtool, tested alert by alert with input series, and read against the metrics the services
// really register, so that an alert can neither be malformed nor watch a series nobody exports.

const rules = alertRules();
const catalogue = exportedSeries();

describe('alert rules', () => {
  it('are found', () => {
    expect(rules.length).toBeGreaterThanOrEqual(9);
  });

  it('pass promtool check rules', () => {
    const r = promtool(['check', 'rules', RULES_FILE]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('pass their promtool test rules suite', () => {
    const r = promtool(['test', 'rules', RULES_TEST_FILE], MONITORING_CHART);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('SUCCESS');
  });

  it('pass the same suite rendered for another namespace, as the chart and cdk8s render them', () => {
    // The renderers replace `namespace="shardgate"` with the namespace the objects go to; the
    // suite's series and expected labels moved to that namespace must give the same results.
    const dir = mkdtempSync(join(tmpdir(), 'rules-other-namespace-'));
    try {
      const file = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: RuleGroup[] };
      const rules = {
        groups: file.groups.map((group) => ({
          ...group,
          rules: group.rules.map((rule) => ({
            ...rule,
            expr: scopeToNamespace(rule.expr, 'shop'),
          })),
        })),
      };
      mkdirSync(join(dir, 'files'));
      writeFileSync(join(dir, 'files', 'alert-rules.yaml'), stringify(rules));
      expect(JSON.stringify(rules)).not.toContain('namespace=\\"shardgate\\"');
      const suite = readFileSync(RULES_TEST_FILE, 'utf8')
        .replaceAll('namespace="shardgate"', 'namespace="shop"')
        .replaceAll('namespace: shardgate', 'namespace: shop')
        .replaceAll(/ (in|of) shardgate\b/g, ' $1 shop');
      mkdirSync(join(dir, 'tests'));
      writeFileSync(join(dir, 'tests', 'alert-rules.test.yaml'), suite);
      const r = promtool(['test', 'rules', join('tests', 'alert-rules.test.yaml')], dir);
      expect(r.status, r.output).toBe(0);
      expect(r.output).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('each have a case where they fire and one where they must not', () => {
    const cases = alertCases();
    for (const { alert } of rules) {
      const own = cases.filter((c) => c.alertname === alert);
      expect(
        own.some((c) => (c.exp_alerts ?? []).length > 0),
        `${alert}: no case where it fires`,
      ).toBe(true);
      expect(
        own.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert}: no case where it stays quiet`,
      ).toBe(true);
    }
    // and no case tests an alert that no longer exists
    const names = new Set(rules.map((r) => r.alert));
    expect(cases.map((c) => c.alertname).filter((n) => !names.has(n))).toEqual([]);
  });

  it('each carry a severity, a summary, a description and a runbook in docs/operations.md', () => {
    const anchors = markdownAnchors(readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8'));
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^Shardgate[A-Z]\w+$/);
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
      expect(rule.annotations.runbook_url).toBe(`docs/operations.md#${rule.alert.toLowerCase()}`);
      expect(anchors.has(rule.alert.toLowerCase()), `runbook of ${rule.alert}`).toBe(true);
    }
  });

  it('query only metrics and labels the services (or kube-state-metrics) export', () => {
    for (const rule of rules) {
      expect(namesOf(rule.expr).selectors.length, rule.alert).toBeGreaterThan(0);
      expect(unknownNames(rule.expr, catalogue), rule.alert).toEqual([]);
    }
  });

  it('scope every selector to the shardgate namespace', () => {
    for (const rule of rules) {
      for (const selector of namesOf(rule.expr).selectors) {
        expect(selector.labels, `${rule.alert}: ${selector.metric}`).toContain('namespace');
      }
      expect(rule.expr).not.toMatch(/namespace\s*(?:=~|!=|!~)|namespace="(?!shardgate")/);
    }
  });
});

describe('the metric name check (it can fail)', () => {
  it('knows the services, shared and Node metrics, with their labels', () => {
    expect(catalogue.get('auth_verify_total')).toEqual(new Set(['outcome']));
    expect(catalogue.get('http_request_duration_seconds_bucket')).toContain('le');
    expect(catalogue.get('db_query_duration_seconds_count')).toEqual(
      new Set(['shard', 'role', 'operation']),
    );
    expect(catalogue.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
  });

  it('reports unknown metrics, foreign labels, unknown grouping labels and bare names', () => {
    expect(unknownNames('sum by (shard) (rate(nope_total{namespace="x"}[5m]))', catalogue)).toEqual(
      ['unknown metric nope_total', 'no metric of the expression has the label shard'],
    );
    expect(unknownNames('rate(auth_login_total{route="/verify"}[5m])', catalogue)).toEqual([
      'auth_login_total has no label route',
    ]);
    expect(unknownNames('up == 0 and auth_verify_total{outcome="error"}', catalogue)).toEqual([
      'bare name up: write it as a selector, name{...}',
    ]);
  });
});
