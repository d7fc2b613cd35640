import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/stack/layout.js';

describe('scripts/bootstrap.sh', () => {
  it('finds every system tool in place and says nothing', () => {
    const result = spawnSync('bash', ['scripts/bootstrap.sh'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('');
  });

  it('leaves a working helm behind', () => {
    const result = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' });
    expect(result.status, String(result.error ?? result.stderr)).toBe(0);
    expect(result.stdout).toMatch(/^v3\.\d+/);
  });
});
