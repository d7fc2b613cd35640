import type { Middleware } from 'koa';
import { DependencyUnavailableError } from '../dependency-unavailable.js';
import type { Logger } from '../logger.js';
import { HttpError, problemBody } from './http-error.js';
import { COMMON_PROBLEMS } from './problems.js';

/** Renders an error in a route-specific shape (e.g. OAuth 2.0 errors), replacing problem+json. */
export type ErrorRenderer = (error: HttpError) => { status: number; body: unknown } | undefined;

/** Base of every problem's `type` URI; the code is appended. */
export const PROBLEM_TYPE_BASE = 'https://shardgate.dev/problems/';

/**
 * Renders a thrown error once, for every route. An {@link HttpError} becomes its problem+json
 * (or whatever `ctx.state.renderError` chooses, e.g. the OAuth shape of `/auth/token`); an error
 * Koa itself raised with a 4xx status keeps that status; anything else is logged with its cause
 * and answered 500 `internal_error` without details. Every error response is `Cache-Control:
 * no-store`.
 */
export function errorHandler(logger: Logger): Middleware<{ renderError?: ErrorRenderer }> {
  return async function renderErrors(ctx, next) {
    try {
      await next();
    } catch (thrown) {
      const error = toHttpError(thrown);
      if (error.status === 503) {
        logger.warn(
          { dependency: (thrown as DependencyUnavailableError).dependency, path: ctx.path },
          'dependency unavailable',
        );
      } else if (error.status >= 500) {
        logger.error({ err: thrown, method: ctx.method, path: ctx.path }, 'request failed');
      }
      ctx.status = error.status;
      // An error answers one request (a token refused, a field invalid) and may name the caller's
      // own data: no shared cache may keep it. A header of the error itself may still override.
      ctx.set('Cache-Control', 'no-store');
      for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
      const custom = ctx.state.renderError?.(error);
      if (custom !== undefined) {
        ctx.status = custom.status;
        ctx.body = custom.body;
        ctx.type = 'application/json';
      } else {
        ctx.body = problemBody(error, PROBLEM_TYPE_BASE);
        ctx.type = 'application/problem+json';
      }
    }
  };
}

function toHttpError(thrown: unknown): HttpError {
  if (thrown instanceof HttpError) return thrown;
  if (thrown instanceof DependencyUnavailableError) {
    return new HttpError(
      COMMON_PROBLEMS.not_ready,
      'The service cannot serve this request right now; retry later.',
      {
        headers: { 'Retry-After': String(thrown.retryAfterSeconds) },
        cause: thrown,
      },
    );
  }
  const status = (thrown as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Koa and the body reader raise 4xx themselves (an aborted or oversized body, an unknown
    // charset): a code keeps one status, so anything but 413 and 415 is a plain 400
    const problem =
      status === 413
        ? COMMON_PROBLEMS.payload_too_large
        : status === 415
          ? COMMON_PROBLEMS.unsupported_media_type
          : COMMON_PROBLEMS.bad_request;
    return new HttpError(problem, 'The request was rejected.');
  }
  return new HttpError(COMMON_PROBLEMS.internal_error, 'An unexpected error occurred.', {
    cause: thrown,
  });
}
