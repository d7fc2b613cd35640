import { describe, expect, it } from 'vitest';
import { bearerToken, INVALID_TOKEN_CHALLENGE } from '../../src/http/bearer.js';

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['BEARER   abc==  ', 'abc=='],
    ['Basic dXNlcjpwYXNz', null],
    ['Bearer', null],
    ['Bearer ', null],
    ['Bearer a b', null],
    ['Bearer abc\u00e9', null],
    ['', null],
    [undefined, null],
    [`Bearer ${'a'.repeat(9000)}`, null],
  ])('%j → %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('INVALID_TOKEN_CHALLENGE', () => {
  it('is the RFC 6750 challenge both services send with a 401', () => {
    expect(INVALID_TOKEN_CHALLENGE).toBe('Bearer error="invalid_token"');
  });
});
