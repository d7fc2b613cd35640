/** The typed errors: which code an answer gets, and the MFA step of `login`. */
import { describe, expect, it } from 'vitest';
import {
  createShardgateClient,
  MfaRequiredError,
  NetworkError,
  ProblemError,
  type WireResponse,
} from '../../src/index.js';

const answer = (status: number, body: unknown): WireResponse => ({
  method: 'POST',
  path: '/auth/token',
  status,
  headers: new Headers(),
  body,
  durationMs: 1,
});

describe('ProblemError', () => {
  it("takes an RFC 9457 problem's code and detail", () => {
    const error = new ProblemError(
      answer(409, { code: 'email_taken', detail: 'The email is taken.', status: 409 }),
    );
    expect(error).toMatchObject({ code: 'email_taken', status: 409 });
    expect(error.message).toBe('POST /auth/token answered 409 email_taken: The email is taken.');
    expect(error.problem?.code).toBe('email_taken');
  });

  it("takes an OAuth error's code, and has no problem", () => {
    const error = new ProblemError(
      answer(400, { error: 'invalid_grant', error_description: 'Wrong password.' }),
    );
    expect(error.code).toBe('invalid_grant');
    expect(error.problem).toBeUndefined();
  });

  it('names the status when the body is neither (a proxy page)', () => {
    expect(new ProblemError(answer(502, undefined)).code).toBe('http_502');
  });
});

describe('login', () => {
  it('throws MfaRequiredError with the challenge, and stores nothing', async () => {
    const fetch: typeof globalThis.fetch = async () =>
      new Response(JSON.stringify({ code: 'mfa_required', mfa_token: 'challenge', status: 401 }), {
        status: 401,
        headers: { 'content-type': 'application/problem+json' },
      });
    const client = createShardgateClient({ baseUrl: 'http://edge.test', fetch });
    const error = await client.auth
      .login({ email: 'a@example.test', password: 'password' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MfaRequiredError);
    expect(error).toMatchObject({ code: 'mfa_required', mfaToken: 'challenge' });
    expect(await client.storage.get()).toBeUndefined();
  });
});

describe('NetworkError', () => {
  it('says nothing answers, with the cause, when the connection is refused', async () => {
    const fetch: typeof globalThis.fetch = async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    };
    const client = createShardgateClient({ baseUrl: 'http://edge.test/', fetch });
    const error = await client.api.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({
      code: 'unreachable',
      message: 'nothing answers at http://edge.test (ECONNREFUSED)',
    });
  });
});
