import { registerServiceMetrics, SlottedCounter } from '@shardgate/shared';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { scrapeReading } from './scrape-reading.js';
import type { CleanupRunRecord } from './store/cleanup-store.js';

/** The cleanup job's latest run and latest successful run, as its records say. */
export type CleanupRuns = { latest: CleanupRunRecord | null; latestOk: CleanupRunRecord | null };

/** Outcomes of `/verify`, one counter series each. */
export type VerifyOutcome =
  | 'allowed'
  | 'invalid_token'
  | 'revoked'
  | 'inactive'
  | 'unverified'
  | 'credentials_ambiguous'
  | 'csrf_origin'
  | 'csrf_token'
  | 'error';

/**
 * Every metric of the auth service, in one place; the rest of the code reports through these
 * methods and never imports prom-client. Served on METRICS_PORT.
 */
export class AuthMetrics {
  readonly registry = new Registry();
  readonly #common = registerServiceMetrics(this.registry);

  readonly #verify = new SlottedCounter({
    name: 'auth_verify_total',
    help: 'Gateway /verify answers by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly #logins = new Counter({
    name: 'auth_login_total',
    help: 'Login attempts by outcome',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly #bcrypt = new Histogram({
    name: 'auth_bcrypt_duration_seconds',
    help: 'bcrypt hash and compare duration',
    labelNames: ['operation'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2],
    registers: [this.registry],
  });

  readonly #bcryptWaiting = new Gauge({
    name: 'auth_bcrypt_queue_waiting',
    help: 'bcrypt operations waiting for a hashing thread',
    registers: [this.registry],
  });
  readonly #bcryptRejected = new Counter({
    name: 'auth_bcrypt_rejected_total',
    help: 'bcrypt operations refused because the queue was full (answered 503)',
    registers: [this.registry],
  });

  readonly #mailSent = new Counter({
    name: 'auth_mail_sent_total',
    help: 'Mails the SMTP server accepted',
    registers: [this.registry],
  });
  readonly #mailRetries = new Counter({
    name: 'auth_mail_retries_total',
    help: 'Delivery attempts that failed and will be tried again (SMTP server away, 4xx, timeout)',
    registers: [this.registry],
  });
  readonly #mailFailed = new Counter({
    name: 'auth_mail_failed_total',
    help: 'Mails given up on: refused for good or out of attempts (kept in mail_outbox as failed)',
    registers: [this.registry],
  });
  readonly #mailExpired = new Counter({
    name: 'auth_mail_expired_total',
    help: 'Mails not sent because their link expired while they waited (kept in mail_outbox as expired)',
    registers: [this.registry],
  });
  #mailBacklog: (() => Promise<MailBacklog | undefined>) | undefined;
  readonly #mailPending = new Gauge({
    name: 'auth_mail_pending',
    help: 'Mails waiting in the outbox, all processes together, counted at scrape time',
    registers: [this.registry],
    collect: async () => {
      const backlog = await this.#mailBacklog?.();
      if (backlog) this.#mailPending.set(backlog.pending);
    },
  });
  readonly #mailOldestAge = new Gauge({
    name: 'auth_mail_oldest_pending_age_seconds',
    help: 'Age of the oldest mail waiting in the outbox; 0 when none waits. Growing: mail is stuck',
    registers: [this.registry],
    collect: async () => {
      const backlog = await this.#mailBacklog?.();
      if (!backlog) return;
      const oldest = backlog.oldestCreatedAt;
      this.#mailOldestAge.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
    },
  });

  /**
   * Reports the cleanup job's runs on every scrape, from `read` (the records in the database): the
   * CronJob's pods live for seconds, too short to be scraped, so every auth process reports the
   * latest run instead. Call once.
   */
  followCleanupRuns(read: () => Promise<CleanupRuns>): void {
    const runs = scrapeReading(read);
    const gauge = <L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[],
      fill: (runs: CleanupRuns, gauge: Gauge<L>) => void,
    ) => {
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [this.registry],
        async collect() {
          const latest = await runs();
          if (latest) fill(latest, this);
        },
      });
    };
    gauge(
      'auth_cleanup_last_success_timestamp_seconds',
      'When the last successful cleanup run finished (Unix time); absent before the first',
      [],
      (runs, g) => {
        if (runs.latestOk) g.set(runs.latestOk.finishedAt.getTime() / 1000);
      },
    );
    gauge(
      'auth_cleanup_last_success_duration_seconds',
      'How long the last successful cleanup run took',
      [],
      (runs, g) => {
        const run = runs.latestOk;
        if (run) g.set((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000);
      },
    );
    gauge(
      'auth_cleanup_last_success_deleted_rows',
      'Rows the last successful cleanup run deleted, by kind',
      ['kind'],
      (runs, g) => {
        for (const [kind, n] of Object.entries(runs.latestOk?.deleted ?? {}))
          g.set({ kind }, n ?? 0);
      },
    );
    gauge(
      'auth_cleanup_last_run_failed',
      '1 when the latest cleanup run failed, else 0',
      [],
      (runs, g) => g.set(runs.latest?.outcome === 'failed' ? 1 : 0),
    );
  }

  readonly observeRequest = this.#common.observeRequest;
  readonly dbOperation = (role: string, operation: string, seconds: number) =>
    this.#common.dbOperation('auth', role, operation, seconds);
  readonly verifyOutcome = (outcome: VerifyOutcome) => this.#verify.count(outcome);
  readonly loginOutcome = (outcome: string) => this.#logins.inc({ outcome });
  readonly cacheLookup = this.#common.cacheLookup;
  readonly bcryptOperation = (operation: string, seconds: number) =>
    this.#bcrypt.observe({ operation }, seconds);
  readonly bcryptQueue = (waiting: number) => this.#bcryptWaiting.set(waiting);
  readonly bcryptRejected = () => this.#bcryptRejected.inc();
  /** What the outbox's delivery loop reports (`MailDeliveryObserver`). */
  readonly mail = {
    sent: () => this.#mailSent.inc(),
    retried: () => this.#mailRetries.inc(),
    failed: () => this.#mailFailed.inc(),
    expired: () => this.#mailExpired.inc(),
  };

  /**
   * Where the outbox gauges read the backlog at scrape time: counted in the database, so they are
   * right whether or not this process sends mail (without SMTP_HOST it only enqueues).
   */
  watchMailBacklog(read: () => Promise<MailBacklog>): void {
    this.#mailBacklog = scrapeReading(read);
  }
}

/** The outbox's backlog as the gauges show it. */
export interface MailBacklog {
  readonly pending: number;
  /** When the oldest pending mail was enqueued; null when none waits. */
  readonly oldestCreatedAt: Date | null;
}
