import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The tooling around the services (`scripts/`, `bench/`, `cdk8s/`) uses a service's code only
 * through what its package exports (`@shardgate/shared`, `@shardgate/shared/migrate`), never by a
 * path into its `src/`: the exports are the promise, the folders behind them may move. The tests
 * of a service may read its internals; the tooling may not.
 */
const root = resolve(import.meta.dirname, '../..');
const TOOLING = /^(scripts|bench|cdk8s)\/.*\.ts$/;
const INTO_SERVICE_SOURCE = /from '(?:\.\.\/)+services\/[^/']+\/src\//;

describe('package boundaries', () => {
  it('the tooling imports no service source by path', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((file) => TOOLING.test(file) && !file.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(20);
    const reaching = files.filter((file) =>
      INTO_SERVICE_SOURCE.test(readFileSync(resolve(root, file), 'utf8')),
    );
    expect(reaching).toEqual([]);
  });
});
