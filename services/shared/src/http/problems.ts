/**
 * Problem catalogues: every error code a service answers with, declared once with its status,
 * title and the situation it names. A code is public API (clients switch on it), so the only way
 * to make an {@link HttpError} is from a catalogue entry: a typo cannot become a new code, and the
 * OpenAPI documents list exactly what the catalogues hold (see `problemCodeSchema`).
 * @packageDocumentation
 */

/** What a catalogue says about one code. */
export interface ProblemSpec {
  /** The HTTP status every answer with this code has. */
  readonly status: number;
  /** Short human summary of the problem type: the problem's `title`. */
  readonly title: string;
  /** When a client meets it, for the catalogue's readers and the OpenAPI table. */
  readonly when: string;
  /**
   * `oauth`: only ever rendered as an RFC 6749 §5.2 error (`{error, error_description}`) by the
   * token endpoint, so documented with that shape rather than as a problem+json code.
   */
  readonly shape?: 'oauth';
}

declare const catalogued: unique symbol;

/** One catalogue entry: its spec and its code. Only {@link defineProblems} makes one. */
export interface Problem<Code extends string = string> extends ProblemSpec {
  readonly code: Code;
  /** Brand: an object literal is not a problem; a catalogue entry is. */
  readonly [catalogued]: true;
}

/** A service's problems by code. */
export type ProblemCatalogue<Specs extends Readonly<Record<string, ProblemSpec>>> = {
  readonly [Code in keyof Specs & string]: Problem<Code>;
};

/**
 * Declares a catalogue. Each key is a code: lowercase words joined by `_`.
 *
 * @throws Error when a code is not of that form or a status is not 4xx/5xx (at start-up, once)
 */
export function defineProblems<const Specs extends Readonly<Record<string, ProblemSpec>>>(
  specs: Specs,
): ProblemCatalogue<Specs> {
  const entries = Object.entries(specs).map(([code, spec]) => {
    if (!/^[a-z]+(?:_[a-z]+)*$/.test(code))
      throw new Error(`problem code "${code}": not snake_case`);
    if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599)
      throw new Error(`problem code "${code}": status ${spec.status} is not 4xx or 5xx`);
    return [code, Object.freeze({ ...spec, code })] as const;
  });
  return Object.freeze(Object.fromEntries(entries)) as unknown as ProblemCatalogue<Specs>;
}

/** The problems the shared HTTP layer raises itself: every service's catalogue includes them. */
export const COMMON_PROBLEMS = defineProblems({
  bad_request: {
    status: 400,
    title: 'Bad request',
    when: 'The HTTP layer refused the request before any route ran (for example a malformed URL).',
  },
  invalid_json: {
    status: 400,
    title: 'Invalid JSON',
    when: 'The body is not valid UTF-8 JSON.',
  },
  invalid_text: {
    status: 400,
    title: 'Invalid text',
    when: 'A string of the request (a JSON value or property name, a form or query parameter) holds U+0000 or a lone UTF-16 surrogate: no text column can store it.',
  },
  invalid_token: {
    status: 401,
    title: 'Invalid token',
    when: 'The bearer access token is missing, malformed, expired or revoked; `WWW-Authenticate` carries the challenge.',
  },
  not_found: {
    status: 404,
    title: 'Not found',
    when: 'No resource at this path, or none the caller may see.',
  },
  method_not_allowed: {
    status: 405,
    title: 'Method not allowed',
    when: 'The path exists but not with this method; `Allow` lists the methods it has.',
  },
  payload_too_large: {
    status: 413,
    title: 'Payload too large',
    when: 'The body exceeds the endpoint’s limit.',
  },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported media type',
    when: 'The body is not of the content type the endpoint reads.',
  },
  validation_failed: {
    status: 422,
    title: 'Validation failed',
    when: 'A field is missing, of the wrong type or out of range; `errors[]` names each one.',
  },
  internal_error: {
    status: 500,
    title: 'Internal error',
    when: 'An unexpected failure; logged with the request id, never detailed to the client.',
  },
  not_ready: {
    status: 503,
    title: 'Service not ready',
    when: 'A dependency the request needs is unavailable; retry after `Retry-After` seconds.',
  },
});

/** The problem of a malformed form-encoded body: only the OAuth token endpoint reads one. */
export const FORM_PROBLEMS = defineProblems({
  invalid_request: {
    status: 400,
    title: 'Invalid request',
    when: 'A form parameter is missing, malformed or repeated (RFC 6749 §5.2).',
    shape: 'oauth',
  },
});
