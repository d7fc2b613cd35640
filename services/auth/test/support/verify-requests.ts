import { expect } from 'vitest';
import { AUTH_RESPONSE_HEADERS } from '../../../../cdk8s/src/names.js';
import { type CallResult, call } from './auth-server.js';
import { rawRequest } from './hostile-tokens.js';
import type { CaseMaterial, Credentials } from './token-surgery.js';

// How the /verify hostile suite asks and what it accepts as an answer: one place for the request
// shapes (fetch or raw bytes) and for the meaning of "denied" and "allowed".

/** The challenge every 401 of the service carries. */
export const CHALLENGE = 'Bearer error="invalid_token"';

/** The headers that carry an identity to the upstream (the Ingress's list): never on a denial. */
export const IDENTITY_HEADERS = AUTH_RESPONSE_HEADERS.map((name) => name.toLowerCase());

/** A method and a path under `/verify`. */
export interface Target {
  readonly method: string;
  readonly path: string;
}

/** What ingress-nginx sends most: `GET /verify`. */
export const VERIFY: Target = { method: 'GET', path: '/verify' };

/** Every method and sub-path must be answered the same way (docs/ingress-contract.md §3). */
export const TARGETS: readonly Target[] = [
  VERIFY,
  { method: 'POST', path: '/verify' },
  { method: 'DELETE', path: '/verify/anything' },
  { method: 'GET', path: '/verify/a/b?x=1' },
  { method: 'PUT', path: '/verify/' },
  { method: 'PATCH', path: '/verify/x/../y' },
  { method: 'HEAD', path: '/verify' },
  { method: 'OPTIONS', path: '/verify/anything' },
];

/** A response, however it was sent. */
export interface Answer {
  readonly status: number;
  header(name: string): string | null;
  readonly body: string;
}

/**
 * Sends `credentials` to `target` on the server at `serverUrl`: through fetch when it can carry
 * them, byte for byte over a socket when they are raw lines.
 */
export async function send(
  serverUrl: string,
  credentials: Credentials,
  target: Target = VERIFY,
  extra: Record<string, string> = {},
): Promise<Answer> {
  if (credentials !== null && typeof credentials === 'object') {
    const answer = await rawRequest(serverUrl, {
      method: target.method,
      path: target.path,
      lines: [...Object.entries(extra).map(([k, v]) => `${k}: ${v}`), ...credentials.lines],
    });
    return {
      status: answer.status,
      header: (name) => answer.headers.get(name.toLowerCase())?.join(', ') ?? null,
      body: answer.body,
    };
  }
  const headers: Record<string, string> = { ...extra };
  if (credentials !== null) headers.authorization = credentials;
  const response = await fetch(`${serverUrl}${target.path}`, { method: target.method, headers });
  const body = await response.text();
  return { status: response.status, header: (name) => response.headers.get(name), body };
}

/** A denial: 401, the invalid_token challenge, and no identity header. */
export function expectDenied(answer: Answer, label = ''): void {
  expect(answer.status, `${label}: status`).toBe(401);
  expect(answer.header('www-authenticate'), `${label}: WWW-Authenticate`).toBe(CHALLENGE);
  for (const name of IDENTITY_HEADERS) expect(answer.header(name), `${label}: ${name}`).toBeNull();
}

/** An admission: 200 with the identity of the material's session and no challenge. */
export function expectAllowed(answer: Answer, material: CaseMaterial, label = ''): void {
  expect(answer.status, `${label}: status`).toBe(200);
  expect(answer.header('x-user-id'), label).toBe(material.user.id);
  expect(answer.header('x-user-email'), label).toBe(material.user.email);
  expect(answer.header('x-user-role'), label).toBe('user');
  expect(answer.header('x-session-id'), label).toBe(material.forge.claims.sid);
  expect(answer.header('www-authenticate'), label).toBeNull();
}

/** `POST /auth/verify` with a JSON body (the introspection form of the check). */
export const introspect = (serverUrl: string, body: Record<string, string>): Promise<CallResult> =>
  call(serverUrl, 'POST', '/auth/verify', { json: body });

/** An introspection denial: 401 JSON with code invalid_token, no identity, the challenge. */
export function expectIntrospectionDenied(result: CallResult, label = ''): void {
  expect(result.status, `${label}: status (${result.text})`).toBe(401);
  expect(result.headers.get('content-type'), label).toContain('json');
  expect(result.body?.code, label).toBe('invalid_token');
  expect(result.body?.valid, label).toBeUndefined();
  expect(result.body?.user_id, label).toBeUndefined();
  expect(result.headers.get('www-authenticate'), label).toBe(CHALLENGE);
}
