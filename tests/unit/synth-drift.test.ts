import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    })
    .sort();
}

// This is how CI fails on drift: `npm test` synthesizes the cdk8s app (with the real helm) into a
// temporary folder and compares every byte with the committed k8s/.
describe('npm run synth', () => {
  const out = mkdtempSync(join(tmpdir(), 'synth-drift-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('regenerates the committed k8s/ byte for byte', () => {
    // scripts/synth.sh finds helm (PATH, /usr/local/bin, $GOPATH/bin) or exits 1 saying so.
    const r = spawnSync('bash', [join(root, 'scripts/synth.sh'), out], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const committed = join(root, 'k8s');
    const expected = listFiles(committed).map((f) => relative(committed, f));
    const actual = listFiles(out).map((f) => relative(out, f));
    expect(actual).toEqual(expected);
    for (const file of expected) {
      expect(
        readFileSync(join(out, file), 'utf8'),
        `k8s/${file} is stale: run npm run synth and commit the result`,
      ).toBe(readFileSync(join(committed, file), 'utf8'));
    }
  }, 120_000);
});
