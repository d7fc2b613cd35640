import type { SeenSecrets } from './secret-flows.js';

// How the secrets-in-logs tests look for secrets: every spelling of every secret a flow saw,
// anywhere in the text; TOTP codes (six digits, which occur inside any long number) only as a
// value of their own. A finding names the kind of secret and the line around it, the secret
// itself masked, so that a failing test does not print it either.

/** The shortest value looked for: anything shorter would be found by chance. */
const SHORTEST = 16;

/** The line of `text` around index `at`, with `value` masked. */
function lineAround(text: string, at: number, value: string): string {
  const start = text.lastIndexOf('\n', at) + 1;
  const end = text.indexOf('\n', at);
  const line = text.slice(start, end < 0 ? undefined : end).replaceAll(value, '[SECRET]');
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

/** A six-digit code standing as a value of its own: not inside a longer run of letters or digits. */
const standalone = (code: string) => new RegExp(`(?<![A-Za-z0-9])${code}(?![A-Za-z0-9])`);

/**
 * Every secret of `seen` that occurs in `text` (`codes`: also the TOTP codes, meant for the
 * services' own JSON logs), as `kind: line`.
 */
export function leaksIn(text: string, seen: SeenSecrets, options: { codes: boolean }): string[] {
  const found: string[] = [];
  for (const [value, kind] of seen.values) {
    if (value.length < SHORTEST)
      throw new Error(`a ${kind} of ${value.length} characters is too short to look for`);
    const at = text.indexOf(value);
    if (at >= 0) found.push(`${kind}: ${lineAround(text, at, value)}`);
  }
  if (options.codes) {
    for (const code of seen.codes) {
      const match = standalone(code).exec(text);
      if (match) found.push(`TOTP code: ${lineAround(text, match.index, code)}`);
    }
  }
  return found;
}

/** Values shaped like secrets whatever their origin: a JWT, a bcrypt hash. */
export function secretShapedIn(text: string): string[] {
  const found: string[] = [];
  for (const [kind, pattern] of [
    ['a JWT', /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/],
    ['a bcrypt hash', /\$2[aby]\$\d\d\$[./A-Za-z0-9]{20,}/],
  ] as const) {
    const match = pattern.exec(text);
    if (match) found.push(`${kind}: ${lineAround(text, match.index, match[0])}`);
  }
  return found;
}
