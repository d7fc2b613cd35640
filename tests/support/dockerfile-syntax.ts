/**
 * The Dockerfile syntax the replay understands (tests/support/dockerfile-replay.ts): instructions
 * with their line numbers, `$VAR` substitution, words and `KEY=value` pairs.
 */

/** A Dockerfile that cannot be replayed, or a step of it that failed. */
export class DockerfileReplayError extends Error {
  override readonly name = 'DockerfileReplayError';
}

/** One instruction: its keyword (upper case), its argument text and its line in the file. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** Splits a Dockerfile into instructions: comments dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    // comment and blank lines end nothing: Docker skips them inside a continuation too
    if (line === '' || line.startsWith('#')) return;
    if (pending === '') startLine = index + 1;
    const continued = line.endsWith('\\');
    pending += `${continued ? line.slice(0, -1) : line} `;
    if (continued) return;
    const [keyword = '', ...rest] = pending.trim().split(/\s+/);
    const args = pending.trim().slice(keyword.length).trim();
    instructions.push({
      keyword: keyword.toUpperCase(),
      args: rest.length ? args : '',
      line: startLine,
    });
    pending = '';
  });
  if (pending !== '') throw new DockerfileReplayError('the Dockerfile ends inside a continuation');
  return instructions;
}

/** Replaces `$NAME` and `${NAME}`; an unknown name fails (Docker would substitute nothing). */
export function substitute(
  text: string,
  vars: Readonly<Record<string, string>>,
  line: number,
): string {
  return text.replace(/\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced, bare) => {
    const name = (braced ?? bare) as string;
    const value = vars[name];
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || value === undefined) {
      throw new DockerfileReplayError(`line ${line}: cannot substitute \${${name}}`);
    }
    return value;
  });
}

/** Splits on whitespace, keeping double-quoted parts together (quotes removed). */
export function words(text: string): string[] {
  return [...text.matchAll(/(?:[^\s"]+|"[^"]*")+/g)].map((m) => m[0].replace(/"/g, ''));
}

/** `KEY=value` pairs (ENV, LABEL); ENV's legacy `KEY value` form too. */
export function pairs(text: string, line: number): Array<[string, string]> {
  const tokens = words(text);
  const first = tokens[0];
  if (first !== undefined && !first.includes('=')) return [[first, tokens.slice(1).join(' ')]];
  return tokens.map((token) => {
    const eq = token.indexOf('=');
    if (eq <= 0) throw new DockerfileReplayError(`line ${line}: expected KEY=value, got ${token}`);
    return [token.slice(0, eq), token.slice(eq + 1)];
  });
}
