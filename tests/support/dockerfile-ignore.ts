/**
 * `.dockerignore` as Docker reads it, for the replay (tests/support/dockerfile-replay.ts): comments,
 * `!` exceptions, `*`, `?` and `**`.
 */
import { posix } from 'node:path';
import { DockerfileReplayError } from './dockerfile-syntax.js';

/** One `.dockerignore` rule. */
export interface IgnoreRule {
  readonly pattern: string;
  readonly regex: RegExp;
  /** A `!` rule: re-includes what earlier rules excluded. */
  readonly negated: boolean;
}

/** Turns a `.dockerignore` glob (`*`, `?`, `**`) into an anchored regular expression. */
function globToRegex(pattern: string): RegExp {
  if (/[[\\]/.test(pattern)) {
    throw new DockerfileReplayError(
      `.dockerignore: character classes and escapes unsupported: ${pattern}`,
    );
  }
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` is zero or more folders; a trailing `**` is anything
      source += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Parses `.dockerignore` text with Docker's rules: comments, `!` exceptions, leading `/` dropped. */
export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negated = l.startsWith('!');
      const pattern = posix.normalize((negated ? l.slice(1) : l).trim()).replace(/^\/+|\/+$/g, '');
      return { pattern, regex: globToRegex(pattern), negated };
    });
}

/**
 * Whether `path` (relative to the context, `/`-separated) is left out of the context. As in
 * Docker, a rule matches a path or any of its parent folders, and the last matching rule wins.
 */
export function isIgnored(rules: readonly IgnoreRule[], path: string): boolean {
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.negated;
  }
  return ignored;
}
