import type { Problem } from './problems.js';

/** One invalid field of a request, in a problem's `errors[]`. */
export interface FieldError {
  /** Dotted path of the field, e.g. `items.0.quantity`. */
  readonly field: string;
  /** Stable reason, e.g. `too_short`, `required`, `invalid_type`. */
  readonly code: string;
  /** Human explanation. */
  readonly message: string;
}

/** Options of {@link HttpError}. */
export interface HttpErrorOptions {
  readonly errors?: readonly FieldError[];
  /** Response headers to send with the error (`Retry-After`, `WWW-Authenticate`). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Extension members of the problem (RFC 9457 §3.2), shown to the client beside the standard
   * ones, which they cannot replace: what the client needs to go on (a login's `mfa_token`).
   * Never logged by the error handler; may hold a value meant for this client only.
   */
  readonly extensions?: Readonly<Record<string, unknown>>;
  /** The underlying error, logged but never shown. */
  readonly cause?: unknown;
}

/**
 * The one error type route code throws, made from a catalogue entry (see `defineProblems`):
 * its `status`, `code` and `title` are public API and come from there; `detail` is shown to the
 * client, so it must never contain secrets. One middleware renders it (see `errorHandler`).
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly code: string;
  /** The problem type's summary, the problem's `title`. */
  readonly title: string;
  readonly errors: readonly FieldError[] | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly extensions: Readonly<Record<string, unknown>>;

  /**
   * @param problem - the catalogue entry: status, code and title
   * @param detail - human explanation of this occurrence
   */
  constructor(
    readonly problem: Problem,
    readonly detail: string,
    options: HttpErrorOptions = {},
  ) {
    super(detail, { cause: options.cause });
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
}

/** The RFC 9457 body of an {@link HttpError}. */
export function problemBody(error: HttpError, typeBase: string): Record<string, unknown> {
  return {
    ...error.extensions,
    type: `${typeBase}${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}
