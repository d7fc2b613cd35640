import { NOW_UTC, type SqlRunner, statement, utcColumn, utcParam } from '@shardgate/shared';
import type { AuthDatabase } from './auth-database.js';

/** A mail as the outbox stores it: the recipient and the rendered content. */
export interface OutboxMail {
  readonly to: string;
  readonly subject: string;
  /** The text body, sealed when `sealed`. */
  readonly text: string;
  /** The HTML body, sealed when `sealed`. */
  readonly html: string;
  /** Whether the bodies are sealed (all mail but rows written before sealing existed). */
  readonly sealed: boolean;
}

/** What the outbox records about a mail besides its content. */
export interface OutboxMailFacts {
  /** What the mail is, kept after its bodies are blanked (`verify_email`, `notice`, ...). */
  readonly kind: string;
  /** When it stops being worth sending (its link's expiry); null: never. */
  readonly expiresAt: Date | null;
}

/** A mail claimed for one delivery attempt. `attempt` (1 for the first) fences its outcome. */
export interface ClaimedMail extends OutboxMail {
  readonly id: string;
  readonly attempt: number;
}

/** How much mail waits, and since when: what the metrics show as stuck. */
export interface OutboxBacklog {
  readonly pending: number;
  /** When the oldest pending mail was enqueued; null when none waits. */
  readonly oldestCreatedAt: Date | null;
}

/** `now() + $n milliseconds`, in the UTC `timestamp(3)` convention of the schema. */
const nowPlusMs = (n: number) => `(${NOW_UTC} + $${n}::integer * interval '1 millisecond')`;

/** A mail whose expiry has passed: never claimed again, only marked expired. */
const EXPIRED = `expires_at <= ${NOW_UTC}`;
/** A mail still worth sending: no expiry, or one ahead. */
const UNEXPIRED = `(expires_at IS NULL OR expires_at > ${NOW_UTC})`;

/**
 * $1 id, $2 recipient, $3 subject, $4 text, $5 html, $6 kind, $7 expiry (or null), $8 sealed:
 * due at once.
 */
const ENQUEUE = statement(
  'mailOutbox.enqueue',
  `INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body, kind, expires_at,
     body_sealed, status, attempts, next_attempt_at, created_at)
   VALUES ($1, $2, $3, $4, $5, $6, ${utcParam(7)}, $8, 'pending', 0, ${NOW_UTC}, ${NOW_UTC})`,
);
/**
 * $1 lease (ms). Takes the most overdue pending mail that no other process is claiming right now
 * (SKIP LOCKED: claimers never wait on each other) and moves its next attempt past the lease, so
 * that nobody else takes it while this process sends; if the process dies, it is due again then.
 * A mail past its expiry is never taken: {@link EXPIRE_DUE} marks it instead.
 */
const CLAIM = statement(
  'mailOutbox.claim',
  `UPDATE mail_outbox m SET attempts = m.attempts + 1, next_attempt_at = ${nowPlusMs(1)}
   FROM (SELECT id FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= ${NOW_UTC}
           AND ${UNEXPIRED}
         ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED) due
   WHERE m.id = due.id
   RETURNING m.id, m.recipient AS "to", m.subject, m.text_body AS "text", m.html_body AS "html",
     m.body_sealed AS "sealed", m.attempts AS "attempt"`,
);
/**
 * $1 id, $2 attempt. The bodies are blanked in the statement that marks the mail: they carry the
 * live single-use tokens of verification and reset links, and the row outlives the mail (backups,
 * whoever may read the table); recipient, subject and times stay for the record.
 */
const MARK_SENT = statement(
  'mailOutbox.markSent',
  `UPDATE mail_outbox SET status = 'sent', sent_at = ${NOW_UTC}, text_body = '', html_body = '',
     last_error = NULL
   WHERE id = $1 AND attempts = $2 AND status = 'pending' RETURNING id`,
);
/**
 * $1 id, $2 attempt, $3 delay (ms), $4 error. Never later than the mail's expiry (LEAST ignores
 * a null one): a mail that expires while it waits is due then, and marked expired at once rather
 * than at the end of a wait of up to an hour.
 */
const RETRY_LATER = statement(
  'mailOutbox.retryLater',
  `UPDATE mail_outbox SET next_attempt_at = LEAST(${nowPlusMs(3)}, expires_at), last_error = $4
   WHERE id = $1 AND attempts = $2 AND status = 'pending' RETURNING id`,
);
/**
 * $1 id, $2 attempt, $3 why. Ends this attempt's claim without an outcome: the mail is due at once
 * for any process, its attempt still counted (the number keeps fencing: a late outcome of the
 * abandoned attempt cannot be recorded over the next one's).
 */
const RELEASE = statement(
  'mailOutbox.release',
  `UPDATE mail_outbox SET next_attempt_at = ${NOW_UTC}, last_error = $3
   WHERE id = $1 AND attempts = $2 AND status = 'pending' RETURNING id`,
);
/**
 * $1 batch size. Marks due pending mail past its expiry `expired`, its bodies blanked in the same
 * statement; answers their ids. Only due mail: one whose next attempt lies ahead may be in a send
 * right now (a claim moves it ahead), and its outcome is that send's to record. SKIP LOCKED:
 * a row another process is claiming or marking is left to it.
 */
const EXPIRE_DUE = statement(
  'mailOutbox.expireDue',
  `UPDATE mail_outbox m SET status = 'expired', expired_at = ${NOW_UTC}, text_body = '',
     html_body = ''
   FROM (SELECT id FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= ${NOW_UTC}
           AND ${EXPIRED}
         LIMIT $1 FOR UPDATE SKIP LOCKED) due
   WHERE m.id = due.id
   RETURNING m.id`,
);
/**
 * $1 id, $2 attempt, $3 error. Blanked like sent mail, in the same statement: a mail given up on
 * must not leave a usable link in the table; its recipient, subject and error stay for operators.
 */
const MARK_FAILED = statement(
  'mailOutbox.markFailed',
  `UPDATE mail_outbox SET status = 'failed', failed_at = ${NOW_UTC}, last_error = $3,
     text_body = '', html_body = ''
   WHERE id = $1 AND attempts = $2 AND status = 'pending' RETURNING id`,
);
const BACKLOG = statement(
  'mailOutbox.backlog',
  `SELECT count(*)::integer AS pending, ${utcColumn('min(created_at)', '"oldestCreatedAt"')}
   FROM mail_outbox WHERE status = 'pending'`,
);

/** The `mail_outbox` table on the auth database's primary. */
export class MailOutboxStore {
  constructor(private readonly db: AuthDatabase) {}

  /**
   * Adds the mail `id` (a new UUID: its bodies may be bound to it), due at once. With `tx` (from
   * `AuthDatabase.transaction`) it is part of the caller's transaction: written, and later sent,
   * only if that commits.
   */
  async enqueue(
    id: string,
    mail: OutboxMail,
    facts: OutboxMailFacts,
    tx?: SqlRunner,
  ): Promise<void> {
    const values = [
      id,
      mail.to,
      mail.subject,
      mail.text,
      mail.html,
      facts.kind,
      facts.expiresAt,
      mail.sealed,
    ];
    if (tx) await tx.rows(ENQUEUE, values);
    else await this.db.onPrimary('mailOutbox.enqueue', (db) => db.rows(ENQUEUE, values));
  }

  /** Claims the next due mail for `leaseMs`; null when none is due. */
  async claim(leaseMs: number): Promise<ClaimedMail | null> {
    const [row] = await this.db.onPrimary('mailOutbox.claim', (db) =>
      db.rows<ClaimedMail>(CLAIM, [Math.ceil(leaseMs)]),
    );
    return row ?? null;
  }

  /**
   * Records a delivery, blanking the mail's bodies. False when the claim was no longer this attempt's (its lease ran out and
   * another process claimed the mail again): then the mail may arrive twice.
   */
  async markSent(id: string, attempt: number): Promise<boolean> {
    const rows = await this.db.onPrimary('mailOutbox.markSent', (db) =>
      db.rows(MARK_SENT, [id, attempt]),
    );
    return rows.length === 1;
  }

  /** Schedules the next attempt in `delayMs`; false when the claim was no longer this attempt's. */
  async retryLater(id: string, attempt: number, delayMs: number, error: string): Promise<boolean> {
    const rows = await this.db.onPrimary('mailOutbox.retryLater', (db) =>
      db.rows(RETRY_LATER, [id, attempt, Math.ceil(delayMs), error]),
    );
    return rows.length === 1;
  }

  /**
   * Gives back a claimed mail unsent, due at once for any process (a process that stops); false
   * when the claim was no longer this attempt's.
   */
  async release(id: string, attempt: number, why: string): Promise<boolean> {
    const rows = await this.db.onPrimary('mailOutbox.release', (db) =>
      db.rows(RELEASE, [id, attempt, why]),
    );
    return rows.length === 1;
  }

  /**
   * Marks up to `limit` due mails past their expiry as expired, blanking their bodies; answers
   * their ids.
   */
  async expireDue(limit: number): Promise<string[]> {
    const rows = await this.db.onPrimary('mailOutbox.expireDue', (db) =>
      db.rows<{ id: string }>(EXPIRE_DUE, [limit]),
    );
    return rows.map((r) => r.id);
  }

  /**
   * Gives up on a mail, blanking its bodies (recipient, subject and error stay); false when the
   * claim was no longer this attempt's.
   */
  async markFailed(id: string, attempt: number, error: string): Promise<boolean> {
    const rows = await this.db.onPrimary('mailOutbox.markFailed', (db) =>
      db.rows(MARK_FAILED, [id, attempt, error]),
    );
    return rows.length === 1;
  }

  /** Counts the pending mail and finds the oldest. */
  async backlog(): Promise<OutboxBacklog> {
    const [row] = await this.db.onPrimary('mailOutbox.backlog', (db) =>
      db.rows<OutboxBacklog>(BACKLOG),
    );
    return row ?? { pending: 0, oldestCreatedAt: null };
  }
}
