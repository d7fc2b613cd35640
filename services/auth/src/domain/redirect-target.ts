/**
 * Where a sign-in may send the browser back to (`rd`): only an http(s) URL of a configured
 * origin, or a path on the default origin. Anything else lands on the default: a sign-in page that
 * redirects anywhere it is told is an open redirect, the phishing tool of choice.
 */

/** The longest `rd` considered; longer ones are not parsed at all. */
const MAX_REDIRECT_LENGTH = 2048;

/**
 * Visible ASCII without the backslash: browsers read `\` as `/` in http(s) URLs (`/\evil.test`
 * is `//evil.test`), and tabs or newlines inside a URL are dropped by them, so neither is allowed.
 */
const PLAIN_URL = /^[\x21-\x5b\x5d-\x7e]+$/;

/** What {@link safeRedirect} checks against. */
export interface RedirectPolicy {
  /** Origins (`scheme://host[:port]`, as `URL.origin` spells them) a redirect may go to. */
  readonly origins: ReadonlySet<string>;
  /** Where every refused `rd` lands; itself on one of `origins`. */
  readonly fallback: string;
}

/**
 * The absolute URL to redirect to for `rd`: `rd` itself (normalised) when it is an http(s) URL
 * without user info on one of the policy's origins, or a path (`/…`, not `//…`) resolved against
 * the fallback's origin; otherwise the fallback.
 *
 * @example
 * safeRedirect('https://app.example/orders?x=1', policy) // 'https://app.example/orders?x=1'
 * safeRedirect('//evil.example/', policy)                 // policy.fallback
 */
export function safeRedirect(rd: string | null | undefined, policy: RedirectPolicy): string {
  if (!rd || rd.length > MAX_REDIRECT_LENGTH || !PLAIN_URL.test(rd)) return policy.fallback;
  const isPath = rd.startsWith('/') && !rd.startsWith('//');
  let url: URL;
  try {
    url = isPath ? new URL(rd, policy.fallback) : new URL(rd);
  } catch {
    return policy.fallback;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return policy.fallback;
  if (url.username !== '' || url.password !== '') return policy.fallback;
  // checked after parsing, on what a browser would actually go to
  if (!policy.origins.has(url.origin)) return policy.fallback;
  return url.href;
}

/** The policy of PUBLIC_ORIGINS and SIGNIN_DEFAULT_REDIRECT (configuration checks they agree). */
export function redirectPolicy(config: {
  readonly PUBLIC_ORIGINS: readonly string[];
  readonly SIGNIN_DEFAULT_REDIRECT: string;
}): RedirectPolicy {
  return {
    origins: new Set(config.PUBLIC_ORIGINS),
    fallback: new URL(config.SIGNIN_DEFAULT_REDIRECT).href,
  };
}
