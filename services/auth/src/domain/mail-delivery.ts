import type { Logger } from '@shardgate/shared';
import type { MailMessage } from '../mail/mail-content.js';
import { MailSendError } from '../mail/mail-send-error.js';
import type { ClaimedMail, MailOutboxStore } from '../store/mail-outbox-store.js';
import { type BackoffPolicy, retryDelayMs } from './mail-backoff.js';
import type { MailSeal } from './mail-seal.js';
import { SendAbandoned, sendAttempt } from './mail-send-attempt.js';
import type { Mailer } from './mailer.js';

/** The settings of {@link MailDelivery} (MAIL_* in docs/configuration.md). */
export interface MailDeliveryOptions {
  /** Attempts before a mail is marked failed. */
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  /** Wait between two looks for due mail when nothing woke the loop. */
  readonly pollIntervalMs: number;
  /** Mails sent in one round before the loop looks again (without waiting when it had that many). */
  readonly batchSize: number;
  /**
   * How long a claim keeps other processes off a mail. A send that takes longer is abandoned
   * (counted as a failed attempt) at half of it, so a hung connection never outlives the claim.
   */
  readonly leaseMs: number;
  /**
   * How long {@link MailDelivery.stop} lets a send in flight finish before it abandons it and
   * releases its mail for another process.
   */
  readonly shutdownTimeoutMs: number;
  /** The jitter's randomness; injected in tests. @default Math.random */
  readonly random?: () => number;
}

/** What the delivery reports, as the service's metrics take it. */
export interface MailDeliveryObserver {
  sent(): void;
  /** An attempt failed and the mail will be tried again. */
  retried(): void;
  /** A mail was given up on. */
  failed(): void;
  /** A mail was not sent: its expiry passed while it waited. */
  expired(): void;
}

const IGNORE: MailDeliveryObserver = {
  sent: () => {},
  retried: () => {},
  failed: () => {},
  expired: () => {},
};

/**
 * The loop that empties the outbox, one per auth process. Each round claims due mail one at a
 * time (`FOR UPDATE SKIP LOCKED`, so processes never take the same mail nor wait on each other),
 * sends it, and records the outcome: sent; tried again after an exponential, jittered wait; or,
 * after the last attempt or a permanent refusal, failed (kept for operators). Mail whose expiry
 * (its link's) has passed is marked expired at the start of a round, never sent. A round that ends
 * with mail left goes on at once; otherwise the loop sleeps until its poll interval passes or a
 * local enqueue wakes it. Logs carry mail ids, never addresses or bodies.
 *
 * Stopping (at SIGTERM) is bounded: no mail is claimed once it began, and a send in flight that
 * has not finished within `shutdownTimeoutMs` is abandoned, its connection closed, and its mail
 * released (due at once) for another process, rather than left to its lease or waited for past
 * the pod's grace period.
 */
export class MailDelivery {
  readonly #options: Required<MailDeliveryOptions>;
  #loop: Promise<void> | undefined;
  #stopping = false;
  /** Set by {@link stop}: the stop in progress, which later calls share. */
  #stopped: Promise<void> | undefined;
  /** Aborted when a stop has waited `shutdownTimeoutMs`: abandons the send in flight. */
  #shutdown = new AbortController();
  #wakeUp: (() => void) | undefined;
  #wokenEarly = false;

  constructor(
    private readonly store: MailOutboxStore,
    /** Opens the sealed bodies of claimed mail. */
    private readonly seal: MailSeal,
    private readonly mailer: Mailer,
    private readonly logger: Logger,
    options: MailDeliveryOptions,
    private readonly observe: MailDeliveryObserver = IGNORE,
  ) {
    this.#options = { random: Math.random, ...options };
  }

  /** Starts the loop (once). */
  start(): void {
    if (this.#loop) return;
    this.#stopping = false;
    this.#stopped = undefined;
    this.#shutdown = new AbortController();
    this.#loop = this.#run();
  }

  /** Makes a sleeping loop look now; a loop in a round looks again right after it. */
  wake(): void {
    if (this.#wakeUp) this.#wakeUp();
    else this.#wokenEarly = true;
  }

  /**
   * Stops the loop: it claims nothing more; the mail it is sending may finish within
   * `shutdownTimeoutMs`, else the send is abandoned and the mail released for another process.
   * Resolves when the loop has stopped; every call shares the first one's stop.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#halt();
    return this.#stopped;
  }

  async #halt(): Promise<void> {
    this.#stopping = true;
    this.#wakeUp?.();
    const abandon = setTimeout(() => this.#shutdown.abort(), this.#options.shutdownTimeoutMs);
    try {
      await this.#loop;
    } finally {
      clearTimeout(abandon);
      this.#loop = undefined;
    }
  }

  /**
   * One round: marks due mail past its expiry as expired, then sends up to `batchSize` due mails;
   * returns how many mails it handled (expired and tried).
   */
  async deliverDue(): Promise<number> {
    const expired = await this.store.expireDue(this.#options.batchSize);
    for (const id of expired) {
      this.observe.expired();
      this.logger.info({ mailId: id }, 'mail expired before it could be sent; not sent');
    }
    let tried = 0;
    while (tried < this.#options.batchSize && !this.#stopping) {
      const mail = await this.store.claim(this.#options.leaseMs);
      if (!mail) break;
      tried++;
      // the stop began while the claim was on its way: hand the mail back unsent
      if (this.#stopping) await this.#release(mail);
      else await this.#deliver(mail);
    }
    // a full batch of expired mail may not be the last: the loop then looks again at once
    return expired.length + tried;
  }

  async #run(): Promise<void> {
    let failing = false;
    while (!this.#stopping) {
      let tried = 0;
      try {
        tried = await this.deliverDue();
        if (failing) this.logger.info('mail delivery works again');
        failing = false;
      } catch (error) {
        // The database is away: nothing is lost (claimed mail is due again after its lease).
        // Said once per outage, not once per poll.
        if (!failing)
          this.logger.warn({ err: error }, 'mail delivery round failed; retrying at each poll');
        failing = true;
      }
      if (tried < this.#options.batchSize) await this.#sleep(this.#options.pollIntervalMs);
    }
  }

  async #deliver(mail: ClaimedMail): Promise<void> {
    const { id, attempt } = mail;
    let message: MailMessage;
    try {
      message = this.#opened(mail);
    } catch {
      // another key (MFA_ENCRYPTION_KEY changed) or an altered row: no attempt can help, and a
      // row whose recipient was changed must not be sent to the new one
      const error = new MailSendError(
        'the sealed body does not open: another MFA_ENCRYPTION_KEY, or the row was altered',
        'unsealable',
        true,
      );
      await this.#failedAttempt(mail, error);
      return;
    }
    try {
      await sendAttempt(this.mailer, id, message, this.#options.leaseMs / 2, this.#shutdown.signal);
    } catch (error) {
      if (error instanceof SendAbandoned) await this.#release(mail);
      else await this.#failedAttempt(mail, asSendError(error));
      return;
    }
    this.observe.sent();
    if (await this.store.markSent(id, attempt))
      this.logger.info({ mailId: id, attempt }, 'mail sent');
    else
      this.logger.warn(
        { mailId: id, attempt },
        'mail sent after its claim ran out: may arrive twice',
      );
  }

  async #failedAttempt(mail: ClaimedMail, error: MailSendError): Promise<void> {
    const { id, attempt } = mail;
    const last = error.permanent || attempt >= this.#options.maxAttempts;
    if (last) {
      if (await this.store.markFailed(id, attempt, error.message)) {
        this.observe.failed();
        this.logger.error(
          { mailId: id, attempt, code: error.code, permanent: error.permanent },
          'mail not delivered; given up (kept in mail_outbox as failed)',
        );
      }
      return;
    }
    const delayMs = retryDelayMs(attempt, this.#options.backoff, this.#options.random);
    if (await this.store.retryLater(id, attempt, delayMs, error.message)) {
      this.observe.retried();
      this.logger.warn(
        { mailId: id, attempt, code: error.code, retryInMs: delayMs },
        'mail delivery failed; will try again',
      );
    }
  }

  /** The mail as the mailer takes it, its bodies opened (rows from before sealing are plain). */
  #opened(mail: ClaimedMail): MailMessage {
    const { to, subject } = mail;
    const bodies = mail.sealed ? this.seal.open(mail.id, to, mail) : mail;
    return { to, subject, text: bodies.text, html: bodies.html };
  }

  /**
   * Hands a claimed mail back, due at once, for another process: this one is stopping. Whether
   * an abandoned send reached the server is unknown; a second delivery then carries the same
   * Message-ID. A failure here leaves the mail to its lease.
   */
  async #release(mail: ClaimedMail): Promise<void> {
    const { id, attempt } = mail;
    try {
      if (await this.store.release(id, attempt, 'released at shutdown'))
        this.logger.warn({ mailId: id, attempt }, 'mail released at shutdown for another process');
    } catch (error) {
      this.logger.warn(
        { err: error, mailId: id, attempt },
        'mail not released at shutdown; due again when its claim runs out',
      );
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#wokenEarly || this.#stopping) {
      this.#wokenEarly = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeUp = undefined;
        resolve();
      };
      // never what keeps the process alive: the server is, and stop() ends the loop
      const timer = setTimeout(done, ms).unref();
      this.#wakeUp = done;
    });
  }
}

/** Any failure of a send as a {@link MailSendError}; an unknown one may pass, so it is retried. */
function asSendError(error: unknown): MailSendError {
  if (error instanceof MailSendError) return error;
  return new MailSendError(String((error as Error)?.message ?? error), 'unknown', false);
}
