import { describe, expect, it } from 'vitest';
import { redirectPolicy, safeRedirect } from '../../src/domain/redirect-target.js';

const policy = redirectPolicy({
  PUBLIC_ORIGINS: ['https://app.example.com', 'http://127.0.0.1:8080'],
  SIGNIN_DEFAULT_REDIRECT: 'https://app.example.com/home',
});
const FALLBACK = 'https://app.example.com/home';

/** Acceptance 3: every rd outside the configured origins lands on the default. */
const REFUSED: readonly [string, string][] = [
  ['absolute, another host', 'https://evil.example/'],
  ['absolute, a configured host over another scheme', 'http://app.example.com/'],
  ['absolute, a configured host on another port', 'https://app.example.com:8443/'],
  ['a suffix of a configured host', 'https://app.example.com.evil.example/'],
  ['a configured host as user info', 'https://app.example.com@evil.example/'],
  ['user info on a configured host', 'https://user:pw@app.example.com/'],
  ['protocol-relative', '//evil.example/'],
  ['protocol-relative, three slashes', '///evil.example/'],
  ['backslash after the slash', '/\\evil.example/'],
  ['backslashes only', '\\\\evil.example'],
  ['backslash inside an absolute URL', 'https://app.example.com\\@evil.example/'],
  ['encoded slashes', '%2F%2Fevil.example'],
  ['encoded scheme separator', 'https%3A%2F%2Fevil.example'],
  ['double-encoded', '%252F%252Fevil.example'],
  ['javascript:', 'javascript:alert(1)'],
  ['JavaScript: mixed case', 'JaVaScRiPt:alert(1)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['vbscript:', 'vbscript:msgbox(1)'],
  ['scheme without slashes', 'https:evil.example'],
  ['tab inside the scheme', 'java\tscript:alert(1)'],
  ['newline before a host', '/\n/evil.example'],
  ['leading space', ' https://app.example.com/'],
  ['non-ASCII host looking alike', 'https://аpp.example.com/'],
  ['empty', ''],
  ['relative without a slash', 'evil.example'],
  ['too long', `https://app.example.com/${'a'.repeat(3000)}`],
];

const ALLOWED: readonly [string, string, string][] = [
  [
    'a configured origin',
    'https://app.example.com/orders?x=1',
    'https://app.example.com/orders?x=1',
  ],
  ['the other configured origin', 'http://127.0.0.1:8080/app/', 'http://127.0.0.1:8080/app/'],
  ['a path on the default origin', '/orders/7?tab=a#b', 'https://app.example.com/orders/7?tab=a#b'],
  [
    'an encoded path stays a path',
    '/%2F%2Fevil.example',
    'https://app.example.com/%2F%2Fevil.example',
  ],
  ['dot segments stay on the origin', '/a/../../b', 'https://app.example.com/b'],
  ['upper-case host normalised', 'https://APP.example.com/x', 'https://app.example.com/x'],
  ['default port spelled out', 'https://app.example.com:443/x', 'https://app.example.com/x'],
];

describe('safeRedirect', () => {
  it.each(REFUSED)('refuses %s', (_what, rd) => {
    expect(safeRedirect(rd, policy)).toBe(FALLBACK);
  });

  it.each(ALLOWED)('allows %s', (_what, rd, expected) => {
    expect(safeRedirect(rd, policy)).toBe(expected);
  });

  it('answers the default for no rd at all', () => {
    expect(safeRedirect(undefined, policy)).toBe(FALLBACK);
    expect(safeRedirect(null, policy)).toBe(FALLBACK);
  });
});
