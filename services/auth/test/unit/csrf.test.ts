import { describe, expect, it } from 'vitest';
import {
  type CsrfEvidence,
  claimsUnsafeMethod,
  csrfRefusal,
  tokensMatch,
} from '../../src/domain/csrf.js';

const ORIGINS = new Set(['https://app.example.com']);
const TOKEN = 'a'.repeat(43);
const none: CsrfEvidence = {
  secFetchSite: undefined,
  origin: undefined,
  echoedToken: undefined,
  cookieToken: TOKEN,
};

const CASES: readonly [string, Partial<CsrfEvidence>, ReturnType<typeof csrfRefusal>][] = [
  ['same-origin fetch metadata', { secFetchSite: 'same-origin' }, null],
  ['same-origin, whatever the Origin', { secFetchSite: 'same-origin', origin: 'https://x' }, null],
  ['a configured Origin', { origin: 'https://app.example.com' }, null],
  [
    'same-site with a configured Origin',
    { secFetchSite: 'same-site', origin: 'https://app.example.com' },
    null,
  ],
  [
    'same-site from a sibling',
    { secFetchSite: 'same-site', origin: 'https://evil.example.com' },
    'csrf_origin',
  ],
  ['cross-site', { secFetchSite: 'cross-site', origin: 'https://evil.example' }, 'csrf_origin'],
  ['a forged Origin without metadata', { origin: 'https://evil.example' }, 'csrf_origin'],
  ['Origin null', { origin: 'null' }, 'csrf_origin'],
  ['cross-site without Origin', { secFetchSite: 'cross-site' }, 'csrf_origin'],
  ['none (typed in) on an unsafe method', { secFetchSite: 'none' }, 'csrf_origin'],
  [
    'a forged Origin with the right token',
    { origin: 'https://evil.example', echoedToken: TOKEN },
    'csrf_origin',
  ],
  ['no evidence, the right token', { echoedToken: TOKEN }, null],
  ['no evidence, no token', {}, 'csrf_token'],
  ['no evidence, a wrong token', { echoedToken: `${TOKEN}b` }, 'csrf_token'],
  ['no evidence, no cookie', { echoedToken: TOKEN, cookieToken: null }, 'csrf_token'],
  ['no evidence, empty token and cookie', { echoedToken: '', cookieToken: '' }, 'csrf_token'],
];

describe('csrfRefusal', () => {
  it.each(CASES)('%s', (_what, evidence, expected) => {
    expect(csrfRefusal({ ...none, ...evidence }, ORIGINS)).toBe(expected);
  });
});

describe('claimsUnsafeMethod', () => {
  it('is true when any account of the method is unsafe, false when all are safe or absent', () => {
    expect(claimsUnsafeMethod(['GET', undefined, 'GET'])).toBe(false);
    expect(claimsUnsafeMethod(['head', 'OPTIONS'])).toBe(false);
    expect(claimsUnsafeMethod([undefined, undefined])).toBe(false);
    expect(claimsUnsafeMethod(['POST', 'GET'])).toBe(true);
    expect(claimsUnsafeMethod(['GET', 'delete'])).toBe(true);
    expect(claimsUnsafeMethod(['PATCH'])).toBe(true);
  });
});

describe('tokensMatch', () => {
  it('compares whole tokens of any length', () => {
    expect(tokensMatch(TOKEN, TOKEN)).toBe(true);
    expect(tokensMatch(TOKEN.slice(1), TOKEN)).toBe(false);
    expect(tokensMatch(undefined, TOKEN)).toBe(false);
  });
});
