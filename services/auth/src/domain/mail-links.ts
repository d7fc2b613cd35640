import { HttpError } from '@shardgate/shared';
import { type NoticeMailVars, noticeMail } from '../mail/templates/notice-mail.js';
import { AUTH_PROBLEMS } from '../problems.js';
import type { AuthDatabase } from '../store/auth-database.js';
import type { OneTimePurpose, OneTimeTokensStore } from '../store/one-time-tokens-store.js';
import type { User } from '../store/users-store.js';
import type { MailOutbox } from './mail-outbox.js';
import { hashSecretToken, newSecretToken } from './secret-token.js';

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

/** What mailing a link needs, and how long its links work and where they point. */
export interface LinkMailing {
  readonly db: AuthDatabase;
  readonly tokens: OneTimeTokensStore;
  readonly mail: MailOutbox;
  /** How long a link works. */
  readonly ttlSeconds: number;
  /** The page the links point at; the token follows in the fragment. */
  readonly linkUrl: string;
  readonly now?: () => number;
}

/**
 * Mails `user` a new single-use link for `purpose`: the token (stored only as its SHA-256, bound
 * to the address it goes to) and its mail are written in one transaction, so neither exists
 * without the other. `content` words the mail around the link and its lifetime.
 */
export async function mailLink(
  deps: LinkMailing,
  purpose: OneTimePurpose,
  user: User,
  content: (link: string, lifetime: string) => NoticeMailVars,
): Promise<void> {
  const token = newSecretToken();
  const expiresAt = new Date((deps.now ?? Date.now)() + deps.ttlSeconds * 1000);
  await deps.db.transaction(`mailLink.${purpose}`, async (tx) => {
    await deps.tokens.create(
      { tokenHash: hashSecretToken(token), purpose, userId: user.id, email: user.email, expiresAt },
      tx,
    );
    const words = content(linkWithToken(deps.linkUrl, token), lifetimeText(deps.ttlSeconds));
    // the mail dies with its token: still waiting then (SMTP away), it would only carry a dead link
    await deps.mail.enqueue({ to: user.email, ...noticeMail(words), kind: purpose, expiresAt }, tx);
  });
  deps.mail.deliverSoon();
}
