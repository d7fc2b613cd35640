/**
 * Keeping secrets out of what the command-line tools print (the smoke suite and the demo): token
 * redaction for display, and a scrubber of every secret a run learned. Their output is meant to be
 * pasted into chats and tickets.
 */

/** Matches anything shaped like a JWT (three base64url segments, the first starting `eyJ`). */
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;
const WHOLE_JWT = new RegExp(`^${JWT.source}$`);

/**
 * A token as it may be displayed. A JWT keeps its first ten characters (`eyJhbGciOi`: the start
 * of its public header, `{"alg":`, the same in every token), then `…(redacted)`. Any other token
 * (an opaque refresh token) shows no character of itself, only its length:
 * `(opaque, 43 chars, redacted)`, since any part of a random token narrows the search for the rest.
 */
export function redactToken(token: unknown): string {
  if (typeof token !== 'string' || token.length === 0) return String(token);
  if (WHOLE_JWT.test(token)) return `${token.slice(0, 10)}…(redacted)`;
  return `(opaque, ${token.length} chars, redacted)`;
}

/**
 * Removes secrets from text before it is printed: every registered value (passwords, refresh
 * tokens) and anything JWT-shaped. A run registers each secret as soon as it learns it, so a
 * message that quotes one by accident still prints nothing usable.
 */
export class Secrets {
  readonly #values = new Set<string>();

  /** Registers a value that must never be printed; returns it, for use inline. */
  add<T extends string | undefined>(value: T): T {
    if (value !== undefined && value.length >= 6) this.#values.add(value);
    return value;
  }

  /** The text with every secret replaced by `(redacted)`. */
  scrub(text: string): string {
    let out = text;
    for (const value of this.#values) out = out.split(value).join('(redacted)');
    return out.replace(JWT, (jwt) => redactToken(jwt));
  }
}
