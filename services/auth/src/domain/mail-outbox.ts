import { randomUUID } from 'node:crypto';
import type { SqlRunner } from '@shardgate/shared';
import type { MailMessage } from '../mail/mail-content.js';
import type { MailOutboxStore } from '../store/mail-outbox-store.js';
import type { MailSeal } from './mail-seal.js';

/** One address, `addr@domain`, with nothing that could end a header or add a recipient. */
const ADDRESS = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+$/;
/** RFC 5321's limit on a path. */
const MAX_ADDRESS_LENGTH = 254;

/**
 * What a mail is, recorded with it (the bodies go once it is sent, the kind stays): the mail of a
 * verification link, of a reset link, the notice that a password was changed, or any other notice.
 */
export type MailKind = 'verify_email' | 'reset_password' | 'password_changed' | 'notice';

/** A mail to enqueue: its content and recipient, what it is, and until when it is worth sending. */
export interface OutboxMessage extends MailMessage {
  /** @default 'notice' */
  readonly kind?: MailKind;
  /**
   * When the mail stops being worth sending, as a link's expiry: a mail still waiting then (the
   * SMTP server away) is marked `expired`, its bodies blanked, and never sent. Unset: never.
   */
  readonly expiresAt?: Date;
}

/** Thrown by {@link MailOutbox.enqueue} for a mail that could never be sent: a programming error. */
export class InvalidMailError extends Error {
  override readonly name = 'InvalidMailError';
}

/**
 * Where the service's features put the mail they send. Enqueueing writes a row and returns: the
 * mail is sent later by a delivery loop (`MailDelivery`) of any auth process, retried while the
 * SMTP server is away, so sending never slows or fails the request that enqueued it. The bodies
 * are written sealed ({@link MailSeal}): a pending mail's link cannot be read from the table.
 *
 * @example
 * // inside the feature's own transaction: the mail exists only if the feature's writes commit
 * await deps.db.transaction('email.startVerification', async (tx) => {
 *   // ... the feature's own statements on tx ...
 *   await deps.mail.enqueue({ to: user.email, ...noticeMail({ subject, paragraphs, action }) }, tx);
 * });
 */
export class MailOutbox {
  constructor(
    private readonly store: MailOutboxStore,
    /** Seals the bodies before they are written; the delivery loop opens them. */
    private readonly seal: MailSeal,
    /** Called after a mail was written outside a transaction: lets the local loop send it now. */
    private readonly onEnqueued: () => void = () => {},
  ) {}

  /**
   * Adds `message` to the outbox and returns its id (the id every log line about it carries).
   * With `tx` the row is written in the caller's transaction and only a commit makes it
   * deliverable; it is then picked up within MAIL_POLL_INTERVAL_MS.
   *
   * @throws InvalidMailError when `to` is not one plain address or the subject is empty
   */
  async enqueue(message: OutboxMessage, tx?: SqlRunner): Promise<string> {
    const to = message.to.trim();
    if (to.length > MAX_ADDRESS_LENGTH || !ADDRESS.test(to))
      throw new InvalidMailError('a mail goes to exactly one plain address');
    // a line break in a subject would end the header; folded, it is one line as meant
    const subject = message.subject.replace(/\s+/g, ' ').trim();
    if (subject === '') throw new InvalidMailError('a mail needs a subject');
    const id = randomUUID();
    const bodies = this.seal.seal(id, to, { text: message.text, html: message.html });
    await this.store.enqueue(
      id,
      { to, subject, ...bodies, sealed: true },
      { kind: message.kind ?? 'notice', expiresAt: message.expiresAt ?? null },
      tx,
    );
    if (!tx) this.onEnqueued();
    return id;
  }

  /**
   * Asks this process's delivery loop to look for due mail now rather than at its next poll: for
   * a caller whose transaction, with mail enqueued in it, has just committed.
   */
  deliverSoon(): void {
    this.onEnqueued();
  }
}
