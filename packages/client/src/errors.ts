/**
 * The errors the client throws. Each has a stable `code` to switch on; `message` is for people.
 * Services answer RFC 9457 problems (`application/problem+json` with a `code`), the token endpoint
 * RFC 6749 errors (`error`): {@link ProblemError} carries either.
 */
import type { Schema } from './operations.js';
import type { WireResponse } from './transport.js';

/** What went wrong, for `switch (error.code)`; a {@link ProblemError}'s code is the service's. */
export type ClientErrorCode =
  | 'unreachable'
  | 'timeout'
  | 'no_session'
  | 'refresh_failed'
  | 'session_rejected';

/** The base of every error this client throws. */
export class ShardgateError extends Error {
  override readonly name: string = 'ShardgateError';
  /** A stable code: a {@link ClientErrorCode}, or the service's problem code. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Nothing answered at the base URL: connection refused, DNS failure (`unreachable`) or `timeout`. */
export class NetworkError extends ShardgateError {
  override readonly name = 'NetworkError';
  declare readonly code: 'unreachable' | 'timeout';
}

/**
 * A service answered with an error status. `code` is the problem's `code` (`invalid_token`,
 * `email_taken`, …), the OAuth error (`invalid_grant`), or `http_<status>` when the body is
 * neither (an HTML page from a proxy).
 */
export class ProblemError extends ShardgateError {
  override readonly name: string = 'ProblemError';
  /** The HTTP status. */
  readonly status: number;
  /** The answer, body parsed; never printed whole (a body may hold a token). */
  readonly response: WireResponse;

  /**
   * @param response The answer.
   * @param code Replaces the answer's own code (subclasses that name a situation, not an answer).
   */
  constructor(response: WireResponse, code?: string) {
    const body = objectBody(response.body);
    const own =
      stringField(body, 'code') ?? stringField(body, 'error') ?? `http_${response.status}`;
    const detail = stringField(body, 'detail') ?? stringField(body, 'error_description');
    const what = `${response.method} ${response.path} answered ${response.status} ${own}`;
    super(code ?? own, `${what}${detail ? `: ${detail}` : ''}`);
    this.status = response.status;
    this.response = response;
  }

  /** The RFC 9457 problem, when the body is one. */
  get problem(): Schema<'Problem'> | undefined {
    const body = objectBody(this.response.body);
    return typeof body?.code === 'string' ? (body as unknown as Schema<'Problem'>) : undefined;
  }
}

/**
 * The login needs a second factor (`mfa_required`): send a TOTP or recovery code with
 * {@link MfaRequiredError.mfaToken} to `POST /auth/login/mfa` (`client.auth.loginMfa`).
 */
export class MfaRequiredError extends ProblemError {
  override readonly name = 'MfaRequiredError';
  /** The challenge for the second step; keep it like a password. */
  readonly mfaToken: string;

  constructor(response: WireResponse, mfaToken: string) {
    super(response);
    this.mfaToken = mfaToken;
  }
}

/**
 * An authenticated request was refused (401 with a `Bearer` challenge) even after the one refresh
 * and the one retry it gets, e.g. the session was revoked in between. The client does not try
 * again: a third attempt could only loop.
 */
export class SessionRejectedError extends ProblemError {
  override readonly name = 'SessionRejectedError';
  declare readonly code: 'session_rejected';

  /** @param response The retry's 401. */
  constructor(response: WireResponse) {
    super(response, 'session_rejected');
  }
}

/**
 * The auth service refused the refresh (the session was logged out, revoked or expired): the
 * client cleared its storage, and the user has to sign in again. `cause` is the refusal.
 */
export class RefreshFailedError extends ShardgateError {
  override readonly name = 'RefreshFailedError';
  declare readonly code: 'refresh_failed';

  constructor(refusal: ProblemError) {
    super('refresh_failed', `the refresh was refused, sign in again (${refusal.message})`, {
      cause: refusal,
    });
  }
}

/** A call that needs a session found no tokens in the storage: sign in first. */
export class NoSessionError extends ShardgateError {
  override readonly name = 'NoSessionError';
  declare readonly code: 'no_session';

  constructor() {
    super('no_session', 'no session: sign in first (the token storage is empty)');
  }
}

function objectBody(body: unknown): Record<string, unknown> | undefined {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
}

function stringField(body: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = body?.[key];
  return typeof value === 'string' ? value : undefined;
}
