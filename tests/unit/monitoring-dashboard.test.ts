import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { alertRules, MONITORING_CHART } from '../support/alert-rules.js';
import { exportedSeries } from '../support/exported-metrics.js';
import { namesOf, unknownNames } from '../support/promql-names.js';
import { promtool } from '../support/promtool.js';

// The Grafana dashboard (charts/shardgate-monitoring/files/grafana-dashboard.json): valid JSON
// whose every query parses (promtool, as a recording rule) and reads only exported metrics and
// labels, scoped to the chosen namespace, covering every metric an alert watches.

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { refId: string; expr: string }[];
  panels?: Panel[];
}

const dashboard = JSON.parse(
  readFileSync(join(MONITORING_CHART, 'files', 'grafana-dashboard.json'), 'utf8'),
) as {
  title: string;
  uid: string;
  templating: { list: { name: string; type: string; query: unknown }[] };
  panels: Panel[];
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queries = panels
  .filter((p) => p.type !== 'row')
  .flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** The query as Prometheus receives it: Grafana's variables replaced by what they stand for. */
const asSent = (expr: string) =>
  expr.replaceAll('$__rate_interval', '5m').replaceAll('$namespace', 'shardgate');

const dir = mkdtempSync(join(tmpdir(), 'dashboard-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('grafana dashboard', () => {
  it('names itself and offers the Prometheus and the namespace as variables', () => {
    expect(dashboard.title).toBe('shardgate');
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.templating.list.map((v) => `${v.name}:${v.type}`)).toEqual([
      'datasource:datasource',
      'namespace:query',
    ]);
  });

  it('has unique panel ids and a query in every panel that is not a row', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels.filter((p) => p.type !== 'row')) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const t of panel.targets ?? []) expect(t.expr.trim(), panel.title).not.toBe('');
    }
    expect(queries.length).toBeGreaterThanOrEqual(12);
  });

  it('has queries that promtool parses', () => {
    const file = join(dir, 'dashboard.rules.yaml');
    const rules = queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: asSent(q.expr) }));
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const r = promtool(['check', 'rules', file]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain(`SUCCESS: ${queries.length} rules found`);
  });

  it('queries only exported metrics and labels, in the chosen namespace', () => {
    const catalogue = exportedSeries();
    for (const { panel, expr } of queries) {
      expect(unknownNames(asSent(expr), catalogue), panel).toEqual([]);
      for (const selector of namesOf(expr).selectors) {
        expect(expr, `${panel}: ${selector.metric}`).toContain('namespace="$namespace"');
      }
    }
  });

  it('shows every metric an alert watches', () => {
    const shown = new Set(queries.flatMap((q) => namesOf(q.expr).selectors.map((s) => s.metric)));
    const watched = new Set(
      alertRules().flatMap((r) => namesOf(r.expr).selectors.map((s) => s.metric)),
    );
    expect([...watched].filter((m) => !shown.has(m))).toEqual([]);
  });
});
