import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/http/http-error.js';
import { assertStorableJson, isStorableText } from '../../src/http/storable-text.js';

/** The problem `assertStorableJson` throws for `value`, or undefined. */
function refusal(value: unknown): { code: string; detail: string } | undefined {
  try {
    assertStorableJson(value);
    return undefined;
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { code: error.code, detail: error.detail };
  }
}

describe('isStorableText', () => {
  it('refuses U+0000 and lone surrogates, keeps every other character', () => {
    expect(isStorableText('a\u0000b')).toBe(false);
    expect(isStorableText('a\ud800')).toBe(false);
    expect(isStorableText('\udc00a')).toBe(false);
    expect(isStorableText('\udc00\ud800')).toBe(false); // reversed: two lone halves
    for (const ok of ['', 'plain', '🔑 emoji pair', '\u0001\u007f\u0085', '\uFEFF\u202e', 'é'])
      expect(isStorableText(ok), JSON.stringify(ok)).toBe(true);
  });
});

describe('assertStorableJson', () => {
  it('names where the character is, never the value', () => {
    expect(refusal({ items: [{ sku: 'A\u0000secret' }] })).toEqual({
      code: 'invalid_text',
      detail: 'items[0].sku holds U+0000 or a lone surrogate, which no text can store.',
    });
    expect(refusal({ 'k\u0000': 1 })?.detail).toMatch(/^A property name under \(body\)/);
    expect(refusal('\ud800')?.detail).toMatch(/^\(body\) holds/);
  });

  it('walks nesting deeper than the call stack', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(refusal(deep)?.code).toBe('invalid_text');
  });

  it('accepts numbers, booleans, null and storable strings anywhere', () => {
    expect(refusal({ a: [1, true, null, { b: 'ok', c: [] }], '': '' })).toBeUndefined();
  });
});
