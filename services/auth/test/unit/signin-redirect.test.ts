import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { redirectPolicy } from '../../src/domain/redirect-target.js';
import { signinLocation, wantsSigninRedirect } from '../../src/http/signin-redirect.js';

const policy = redirectPolicy({
  PUBLIC_ORIGINS: ['https://app.example.com', 'https://shop.example.com'],
  SIGNIN_DEFAULT_REDIRECT: 'https://app.example.com/',
});

/** A `/verify` request as Traefik's forward auth sends it for a browser's page load. */
function traefik(url: string, headers: Record<string, string> = {}): IncomingMessage {
  return {
    url,
    method: 'GET',
    headers: {
      'x-forwarded-method': 'GET',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'shop.example.com',
      'x-forwarded-uri': '/cart?item=1',
      'sec-fetch-mode': 'navigate',
      accept: 'text/html',
      ...headers,
    },
  } as unknown as IncomingMessage;
}

describe('wantsSigninRedirect', () => {
  it('redirects a browser navigation when the auth-url asks for it', () => {
    expect(wantsSigninRedirect(traefik('/verify?signin=1'))).toBe(true);
    expect(wantsSigninRedirect(traefik('/verify?x=2&signin=1'))).toBe(true);
  });

  it.each([
    ['the auth-url does not ask', traefik('/verify')],
    ['another value', traefik('/verify?signin=10')],
    [
      'ingress-nginx (X-Sent-From), which redirects itself',
      traefik('/verify?signin=1', { 'x-sent-from': 'nginx-ingress-controller' }),
    ],
    ['an API client with a token', traefik('/verify?signin=1', { authorization: 'Bearer x' })],
    ['a POST', traefik('/verify?signin=1', { 'x-forwarded-method': 'POST' })],
    ['a fetch() of the page', traefik('/verify?signin=1', { 'sec-fetch-mode': 'cors' })],
    [
      'no metadata and no HTML accepted',
      traefik('/verify?signin=1', { 'sec-fetch-mode': '', accept: 'application/json' }),
    ],
  ])('answers 401, not a redirect, for %s', (_what, req) => {
    if (req.headers['sec-fetch-mode'] === '') delete req.headers['sec-fetch-mode'];
    expect(wantsSigninRedirect(req)).toBe(false);
  });
});

describe('signinLocation', () => {
  it('sends the browser to the sign-in page of the origin it asked for, with the page as rd', () => {
    expect(signinLocation(traefik('/verify?signin=1'), policy)).toBe(
      'https://shop.example.com/auth/signin?rd=https%3A%2F%2Fshop.example.com%2Fcart%3Fitem%3D1',
    );
  });

  it('uses the default origin and landing page for a host that is not public', () => {
    const req = traefik('/verify?signin=1', { 'x-forwarded-host': 'evil.example' });
    expect(signinLocation(req, policy)).toBe(
      'https://app.example.com/auth/signin?rd=https%3A%2F%2Fapp.example.com%2F',
    );
    // a path that looks like another host is only a path of the asked origin
    const path = traefik('/verify?signin=1', { 'x-forwarded-uri': '//evil.example/' });
    expect(new URL(signinLocation(path, policy)).searchParams.get('rd')).toBe(
      'https://shop.example.com//evil.example/',
    );
  });
});
