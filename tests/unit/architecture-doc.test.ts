import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * ARCHITECTURE.md is a map, and a map that names folders that are gone, or leaves out new ones,
 * misleads. These checks keep it honest: every folder it names in backquotes exists, every
 * top-level folder git tracks is named, and so is every layer (folder) of every service's `src/`.
 */

const root = resolve(import.meta.dirname, '../..');
const architecture = readFileSync(resolve(root, 'ARCHITECTURE.md'), 'utf8');

/** The folders ARCHITECTURE.md names in backquotes: paths that end in `/` (`<name>` included). */
function namedFolders(text: string): string[] {
  const named = [...text.matchAll(/`([\w.<>-]+(?:\/[\w.<>-]+)*\/)`/g)].map(
    (match) => match[1] ?? '',
  );
  return [...new Set(named)];
}

/** Tracked folders at `depth` below the root (1: top level), as `name/` paths. */
function trackedFolders(filter: (parts: readonly string[]) => boolean, depth: number): string[] {
  const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n');
  const folders = files
    .map((file) => file.split('/'))
    .filter((parts) => parts.length > depth && filter(parts))
    .map((parts) => `${parts.slice(0, depth).join('/')}/`);
  return [...new Set(folders)].sort();
}

describe('ARCHITECTURE.md', () => {
  const named = new Set(namedFolders(architecture));

  it('names only folders that exist', () => {
    const missing = [...named].filter((folder) => {
      if (folder.includes('<')) return false;
      const path = resolve(root, folder);
      return !existsSync(path) || !statSync(path).isDirectory();
    });
    expect(missing).toEqual([]);
  });

  it('names every top-level folder of the repository', () => {
    const unnamed = trackedFolders(() => true, 1).filter((folder) => !named.has(folder));
    expect(unnamed).toEqual([]);
  });

  it("names every layer of every service's src/, as the service's or as the <name> pattern", () => {
    const layers = trackedFolders((parts) => parts[0] === 'services' && parts[2] === 'src', 4);
    const unnamed = layers.filter((folder) => {
      const generic = folder.replace(/^services\/[\w-]+\//, 'services/<name>/');
      return !named.has(folder) && !architecture.includes(`\`${generic}\``);
    });
    expect(layers.length).toBeGreaterThan(5);
    expect(unnamed).toEqual([]);
  });

  it('reads folder names the way the checks need (the checks can fail)', () => {
    expect(namedFolders('`services/` and `a.ts` and `k8s/dev` and `tests/e2e/`')).toEqual([
      'services/',
      'tests/e2e/',
    ]);
  });
});
