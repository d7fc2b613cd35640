/**
 * The metric names and label names a PromQL expression uses, read well enough to check them
 * against what is exported ({@link ./exported-metrics.ts}); promtool checks the syntax. Selectors
 * are recognised as `name{...}`; a bare metric name (no braces) is reported too, so nothing slips
 * past unread.
 */
import { type SeriesCatalogue, TARGET_LABELS } from './exported-metrics.js';

const SELECTOR = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g;
const MATCHER = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"/g;
const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** What {@link namesOf} found in one expression. */
export interface ExpressionNames {
  /** Each selector's metric name and the label names it matches on. */
  readonly selectors: readonly { readonly metric: string; readonly labels: readonly string[] }[];
  /** Label names of `by`, `without`, `on`, `ignoring`, `group_left` and `group_right`. */
  readonly grouping: readonly string[];
  /** Identifiers outside any selector that are neither functions nor keywords. */
  readonly bare: readonly string[];
}

/** Reads the metric and label names of a PromQL expression. */
export function namesOf(expr: string): ExpressionNames {
  const selectors = [...expr.matchAll(SELECTOR)].map((m) => ({
    metric: m[1] as string,
    labels: [...(m[2] as string).matchAll(MATCHER)].map((l) => l[1] as string),
  }));
  let rest = expr.replace(SELECTOR, ' ').replace(/"(?:[^"\\]|\\.)*"/g, ' ');
  const grouping = [...rest.matchAll(GROUPING)].flatMap((m) =>
    (m[1] as string)
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  rest = rest.replace(GROUPING, ' ').replace(/\[[^\]]*\]/g, ' ');
  const bare = [...rest.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => m[2] === undefined && !KEYWORDS.has((m[1] as string).toLowerCase()))
    .map((m) => m[1] as string);
  return { selectors, grouping, bare };
}

/**
 * Everything in `expr` that the catalogue does not export: unknown metrics, labels a metric does
 * not carry, grouping labels none of its metrics carries, bare metric names. Empty when fine.
 */
export function unknownNames(expr: string, catalogue: SeriesCatalogue): string[] {
  const { selectors, grouping, bare } = namesOf(expr);
  const problems: string[] = [];
  const usable = new Set(TARGET_LABELS);
  for (const { metric, labels } of selectors) {
    const known = catalogue.get(metric);
    if (!known) {
      problems.push(`unknown metric ${metric}`);
      continue;
    }
    for (const label of known) usable.add(label);
    for (const label of labels) {
      if (label !== '__name__' && !known.has(label) && !TARGET_LABELS.includes(label)) {
        problems.push(`${metric} has no label ${label}`);
      }
    }
  }
  for (const label of grouping) {
    if (!usable.has(label)) problems.push(`no metric of the expression has the label ${label}`);
  }
  for (const name of bare) problems.push(`bare name ${name}: write it as a selector, name{...}`);
  return problems;
}
