import { HttpError } from '@shardgate/shared';
import { AUTH_PROBLEMS } from '../problems.js';

/**
 * What the links of verification and reset mails share: the token rides in the fragment
 * (`#token=...`), which browsers send neither to a server nor in a Referer, so it stays out of
 * access logs; the page at `url` posts it.
 */
export function linkWithToken(url: string, token: string): string {
  return `${url}#token=${token}`;
}

/** A link's token that is unknown, expired or used: one answer for all three. */
export const invalidLinkToken = (): HttpError =>
  new HttpError(
    AUTH_PROBLEMS.invalid_link_token,
    'The link is invalid, has expired or was already used.',
  );

/** A link's lifetime in words: `86400` → "24 hours", `1800` → "30 minutes". */
export function lifetimeText(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  return `${Math.round(seconds / 60)} minutes`;
}
