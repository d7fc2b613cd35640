import type { Problem } from './problems.js';

/** The OpenAPI schema of a service's problem codes, as {@link problemCodeSchema} makes it. */
export interface ProblemCodeSchema {
  readonly type: 'string';
  readonly description: string;
  readonly enum: readonly string[];
}

/**
 * The `ProblemCode` schema of a service's OpenAPI document, generated from its catalogue: the
 * codes rendered as problem+json (those of the OAuth shape are documented with the token
 * endpoint's error), ordered by status then code, with a table of what each means.
 */
export function problemCodeSchema(catalogue: Readonly<Record<string, Problem>>): ProblemCodeSchema {
  const problems = Object.values(catalogue)
    .filter((problem) => problem.shape !== 'oauth')
    .sort((a, b) => a.status - b.status || a.code.localeCompare(b.code));
  const rows = problems.map(
    (problem) => `| \`${problem.code}\` | ${problem.status} | ${problem.title} | ${problem.when} |`,
  );
  return {
    type: 'string',
    description: [
      'Stable, machine-readable error code; part of the public API. `type` is always ' +
        '`https://shardgate.dev/problems/<code>`. Generated from the service’s problem catalogue.',
      '',
      '| code | status | title | when |',
      '|---|---|---|---|',
      ...rows,
    ].join('\n'),
    enum: problems.map((problem) => problem.code),
  };
}
