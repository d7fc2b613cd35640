/**
 * A dependency the request needs (a database primary, say) cannot be reached right now. Storage
 * layers throw it instead of their driver's error; the error handler answers 503 `not_ready`
 * with `Retry-After`, and nothing was written.
 */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';

  /**
   * @param dependency - what is down, for logs (never a URL with credentials)
   * @param retryAfterSeconds - the `Retry-After` to suggest
   */
  constructor(
    readonly dependency: string,
    readonly retryAfterSeconds = 5,
    options?: ErrorOptions,
  ) {
    super(`${dependency} is unavailable`, options);
  }
}
