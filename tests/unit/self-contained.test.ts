import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The repository must hold everything it needs: a clone is all a reader or a CI machine has. So
 * no tracked file may point outside the repository (`../shared/...` next to the clone) or into
 * the folders of the machine it was developed on. Paths the project creates at run time
 * (`~/.cache/shardgate`, `/var/lib/shardgate-cluster`) and system paths (`/usr/lib/cni`, `/tmp`)
 * are fine, and so are paths inside images (`/home/node`, the Node base image's user).
 */

const root = resolve(import.meta.dirname, '../..');

/** This file: its examples of what is refused are not references. */
const self = relative(root, import.meta.filename);

/** Files whose text is read: everything git tracks, but the lock file, this file and binaries. */
function trackedTextFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' });
  return listed
    .split('\0')
    .filter((file) => file !== '' && file !== 'package-lock.json' && file !== self)
    .filter((file) => !/\.(png|jpe?g|gif|ico|tar|gz|tgz|zip|woff2?)$/i.test(file));
}

/** Absolute paths of a developer's machine: home folders (bar images' users) and `/work`. */
const MACHINE_PATH = /(?<![\w.~-])\/(?:work|root|Users|home\/(?!node\b)[\w.-]+)\//g;

/** A relative path that climbs at least one level, up to its first named segment (`../shared`). */
const CLIMBING_PATH = /(?<![\w.~/-])(?:\.\.\/)+[\w.@-]+/g;

/** Each `file:line: text` of the tree where `pattern` matches and `isOutside` holds. */
function findings(
  pattern: RegExp,
  isOutside: (match: string, file: string) => boolean,
  files: readonly string[] = trackedTextFiles(),
): string[] {
  const found: string[] = [];
  for (const file of files) {
    const lines = readFileSync(resolve(root, file), 'utf8').split('\n');
    lines.forEach((line, index) => {
      for (const match of line.matchAll(pattern)) {
        if (isOutside(match[0], file)) found.push(`${file}:${index + 1}: ${match[0]}`);
      }
    });
  }
  return found;
}

/**
 * Climbing paths that are not relative to their file's folder, each with the reason: the check
 * reads a path from the folder of the file that holds it, which is right for links and imports.
 */
const READ_FROM_ELSEWHERE: Readonly<
  Record<string, { readonly path: string; readonly why: string }>
> = {
  'docs/containers.md': { path: '../../services', why: 'a symlink inside the image, under /app' },
};

/** The top-level files and folders of the repository, as git tracks them. */
const topLevel = new Set(trackedTextFiles().map((file) => file.split('/')[0]));

/**
 * True when `path`, read relative to the folder of `file`, leads out of the repository, or to a
 * top-level name the repository does not have: `../shared/docs/x.md` written in `docs/` names a
 * `shared/` at the root, which is not in the repository but next to a developer's clone.
 */
function leadsOutsideRepository(path: string, file: string): boolean {
  if (READ_FROM_ELSEWHERE[file]?.path === path) return false;
  const target = relative(root, resolve(root, dirname(file), path));
  if (target === '..' || target.startsWith(`..${sep}`)) return true;
  return target !== '' && !target.includes(sep) && !topLevel.has(target);
}

describe('the repository is self-contained', () => {
  it('names no folder of the machine it was developed on', () => {
    expect(findings(MACHINE_PATH, () => true)).toEqual([]);
  });

  it('has no relative path that leads out of the repository', () => {
    expect(findings(CLIMBING_PATH, leadsOutsideRepository)).toEqual([]);
  });

  it('catches both kinds of reference (the checks can fail)', () => {
    expect('see /work/shared/docs/x.md'.match(MACHINE_PATH)).toEqual(['/work/']);
    expect('cd /home/alice/src'.match(MACHINE_PATH)).toEqual(['/home/alice/']);
    expect('user node, home /home/node/app'.match(MACHINE_PATH)).toBeNull();
    expect('~/.cache/shardgate/bin and /var/lib/shardgate-cluster'.match(MACHINE_PATH)).toBeNull();
    expect(leadsOutsideRepository('../shared', 'docs/gateway.md')).toBe(true);
    expect(leadsOutsideRepository('../../shared', 'docs/gateway.md')).toBe(true);
    expect(leadsOutsideRepository('../shared', 'services/api/tsconfig.json')).toBe(false);
    expect(leadsOutsideRepository('../README.md', 'docs/gateway.md')).toBe(false);
  });
});
