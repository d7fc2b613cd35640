/**
 * The Content-Security-Policy of every response that does not set its own: nothing may be loaded
 * from it and nothing may frame it. Right for JSON and problem+json, which a browser should never
 * render as a document; a page sets a policy of its own ({@link securityHeaders}).
 */
export const DEFAULT_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * The headers every answer of a shardgate service carries, whatever its route or status, except
 * `/verify`'s 200 (which only the gateway reads). `Cache-Control` and `Strict-Transport-Security`
 * are decided per request and are not in it.
 *
 * - `X-Content-Type-Options: nosniff`: a browser takes the declared type; JSON holding a user's
 *   text is never run as a script or rendered as HTML.
 * - `X-Frame-Options: DENY`: with CSP `frame-ancestors 'none'`, no page may be framed
 *   (clickjacking); the header covers browsers that ignore `frame-ancestors`.
 * - `Referrer-Policy: same-origin`: no URL of ours (ids in paths, a sign-in page's return target)
 *   goes to another site in `Referer`. Not `no-referrer`: under it browsers send `Origin: null` on a
 *   page's own form posts (Fetch, "serializing a request origin"), which an Origin-based CSRF check
 *   then refuses.
 * - `Content-Security-Policy`: {@link DEFAULT_CONTENT_SECURITY_POLICY}.
 * - `Cross-Origin-Opener-Policy: same-origin`: a page of ours opened from another site shares no
 *   browsing context group with it (no `window.opener` either way).
 * - `Cross-Origin-Resource-Policy: same-origin`: another site cannot pull an answer into its page
 *   as a `<script>` or `<img>` (no-cors), where a side channel could read it. CORS requests
 *   (`fetch`) are not affected.
 */
export const BASELINE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Content-Security-Policy': DEFAULT_CONTENT_SECURITY_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

/** `Cache-Control` of everything that does not choose its own: tokens and personal data. */
export const NO_STORE = 'no-store';
