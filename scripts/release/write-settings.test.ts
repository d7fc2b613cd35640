import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readReleaseSettings } from '../../cdk8s/src/lib/release-settings.js';
import { writeReleaseSettings } from './write-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'write-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeReleaseSettings', () => {
  it('writes what readReleaseSettings reads back, keys in the committed order, no partial file left', () => {
    const file = join(dir, 'release.json');
    const settings = {
      thirdPartyDigests: {},
      digests: { api: `sha256:${'b'.repeat(64)}`, auth: `sha256:${'a'.repeat(64)}` },
      revision: 'c'.repeat(40),
      source: 'https://git.example.com/shardgate',
      version: '1.0.0',
      repository: 'shardgate',
      registry: 'registry.example.com',
    };
    writeReleaseSettings(file, settings);
    expect(readReleaseSettings(file)).toEqual(settings);
    const text = readFileSync(file, 'utf8');
    expect(Object.keys(JSON.parse(text))).toEqual([
      'registry',
      'repository',
      'version',
      'source',
      'revision',
      'digests',
      'thirdPartyDigests',
    ]);
    expect(text.endsWith('}\n')).toBe(true);
    expect(readdirSync(dir)).toEqual(['release.json']);
  });
});
