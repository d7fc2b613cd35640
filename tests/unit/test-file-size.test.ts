import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A test file reads as the checks it makes. When one grows past this many lines it is mostly data
 * (a corpus, fixtures) or helpers: those go to `*.corpus.ts` modules next to it or to a support
 * folder, so that the test file stays a list of behaviours a reviewer can read in one sitting.
 */
const MAX_TEST_FILE_LINES = 600;

const root = resolve(import.meta.dirname, '../..');

/** Every test file git tracks or would track (new files count before their first commit). */
function testFiles(): string[] {
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  return [...new Set(listed.split('\0'))].filter((file) => /\.test\.ts$/.test(file));
}

const lineCount = (file: string): number =>
  readFileSync(resolve(root, file), 'utf8').replace(/\n$/, '').split('\n').length;

describe('test files', () => {
  it('are found (the check below would otherwise pass on nothing)', () => {
    expect(testFiles().length).toBeGreaterThan(50);
  });

  it(`have at most ${MAX_TEST_FILE_LINES} lines each`, () => {
    const tooLong = testFiles()
      .map((file) => ({ file, lines: lineCount(file) }))
      .filter(({ lines }) => lines > MAX_TEST_FILE_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(tooLong).toEqual([]);
  });
});
