import type { ContractNote, DocumentNotes } from './contract-notes.js';

/** Schemathesis's own defaults, which a note may only extend (config/_checks.py and _phases.py). */
const VALID_REQUEST_STATUSES = ['2xx', '3xx', '401', '403', '404', '409', '429', '5xx'];
const UNEXPECTED_METHODS = ['get', 'put', 'post', 'delete', 'options', 'patch', 'trace', 'query'];

/** One run of the fuzzer: a document, where it is served, and with what credentials. */
export interface FuzzRun {
  /** The document's notes (readContractNotes). */
  readonly notes: DocumentNotes;
  /** Whether the run goes through the gateway (only then do gateway notes apply). */
  readonly throughGateway: boolean;
  /** Fixed, so that a failure found once is found again. */
  readonly seed: number;
  /** Cases per operation and phase: the run's size, so its time, is bounded by it. */
  readonly maxExamples: number;
  /** Headers of every request (the bearer token of the fuzzing user). */
  readonly headers: Readonly<Record<string, string>>;
  /** Headers of one operation instead, by operationId (a session it may end, say). */
  readonly operationHeaders?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** TOML basic strings read JSON's escapes. */
const str = (value: string): string => JSON.stringify(value);
const list = (values: readonly (string | number)[]): string =>
  `[${values.map((v) => (typeof v === 'number' ? String(v) : str(v))).join(', ')}]`;
const table = (values: Readonly<Record<string, string>>): string =>
  `{ ${Object.entries(values)
    .map(([k, v]) => `${str(k)} = ${str(v)}`)
    .join(', ')} }`;

function rootAllowance(notes: readonly ContractNote[]) {
  const untested = new Set<string>();
  let allowNul = true;
  for (const { fuzzer } of notes) {
    if (fuzzer['allow-x00'] === false) allowNul = false;
    for (const m of fuzzer['untested-methods-through-gateway'] ?? []) untested.add(m.toLowerCase());
  }
  return { allowNul, untested };
}

/**
 * The `schemathesis.toml` of one run: every check on (Schemathesis's defaults, which are all of
 * them but the response-time limit), every phase, one worker (CPython 3.11's parser is not safe
 * for Hypothesis's lambda introspection on several threads), and exactly what the document's
 * contract notes allow, nothing broader.
 */
export function schemathesisConfig(run: FuzzRun): string {
  const { allowNul, untested } = rootAllowance(run.notes.root);
  const lines = [
    `seed = ${run.seed}`,
    'workers = 1',
    'request-timeout = 30',
    '',
    '[generation]',
    `max-examples = ${run.maxExamples}`,
    `allow-x00 = ${allowNul}`,
    // nothing carried over between runs: the same seed must mean the same cases
    'database = "none"',
    '',
    '[checks]',
    'enabled = true',
    '',
    '[headers]',
    ...Object.entries(run.headers).map(([k, v]) => `${str(k)} = ${str(v)}`),
  ];
  const gatewayUntested = run.throughGateway ? untested : new Set<string>();
  if (gatewayUntested.size > 0) {
    const methods = UNEXPECTED_METHODS.filter((m) => !gatewayUntested.has(m));
    lines.push('', '[phases.coverage]', `unexpected-methods = ${list(methods)}`);
  }
  for (const [path, notes] of [...run.notes.paths].sort(([a], [b]) => a.localeCompare(b))) {
    const here = new Set([
      ...gatewayUntested,
      ...notes.flatMap((note) => note.fuzzer['untested-methods'] ?? []).map((m) => m.toLowerCase()),
    ]);
    const methods = UNEXPECTED_METHODS.filter((m) => !here.has(m));
    lines.push(
      '',
      '[[operations]]',
      `include-path = ${str(path)}`,
      `phases.coverage.unexpected-methods = ${list(methods)}`,
    );
  }
  const ids = new Set([...run.notes.operations.keys(), ...Object.keys(run.operationHeaders ?? {})]);
  for (const id of [...ids].sort()) {
    lines.push('', '[[operations]]', `include-operation-id = ${str(id)}`);
    const headers = run.operationHeaders?.[id];
    if (headers !== undefined) lines.push(`headers = ${table({ ...run.headers, ...headers })}`);
    const extra = (run.notes.operations.get(id) ?? []).flatMap(
      (note) => note.fuzzer['valid-requests-may-answer'] ?? [],
    );
    if (extra.length > 0) {
      lines.push(
        `checks.positive_data_acceptance.expected-statuses = ${list([...VALID_REQUEST_STATUSES, ...extra])}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
