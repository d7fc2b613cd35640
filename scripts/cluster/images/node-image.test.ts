import { describe, expect, it } from 'vitest';
import { bundledNpmVersion } from './node-image.js';

/** The shape of Node.js's CHANGELOG_V24.md, shortened. */
const CHANGELOG = [
  '<a id="24.22.3"></a>',
  '## 2026-11-11, Version 24.22.3',
  '* [`aaa`] - **crypto**: something',
  '<a id="24.22.0"></a>',
  '## 2026-10-14, Version 24.22.0',
  '* [`bbb`] - **deps**: upgrade npm to 11.19.1 (npm team)',
  '<a id="24.21.0"></a>',
  '* [`ccc`] - **deps**: upgrade npm to 11.18.0 (npm team)',
].join('\n');

describe('bundledNpmVersion', () => {
  it('takes the newest npm upgrade at or below the release', () => {
    expect(bundledNpmVersion(CHANGELOG, '24.22.3')).toBe('11.19.1');
    expect(bundledNpmVersion(CHANGELOG, '24.21.0')).toBe('11.18.0');
  });

  it('refuses a release the changelog does not have, or one it names no npm for', () => {
    expect(() => bundledNpmVersion(CHANGELOG, '24.99.0')).toThrow(/no section for 24\.99\.0/);
    expect(() => bundledNpmVersion('<a id="24.0.0"></a>', '24.0.0')).toThrow(/no npm upgrade/);
  });
});
