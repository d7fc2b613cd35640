/**
 * Checks that a link put into a mail is an absolute `https:` (or, for local development, `http:`)
 * URL and returns it normalised: escaping keeps a value inside its attribute, but only this keeps
 * a `javascript:` or `data:` URL out of an `href`.
 *
 * @throws TypeError when `url` is not such a URL: a programming error, never user input
 */
export function mailUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('a mail link must be an absolute URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new TypeError('a mail link must be an http: or https: URL');
  return parsed.href;
}
