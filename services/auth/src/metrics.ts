import { registerServiceMetrics } from '@shardgate/shared';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CleanupRunRecord } from './store/cleanup-store.js';

/** The cleanup job's latest run and latest successful run, as its records say. */
export type CleanupRuns = { latest: CleanupRunRecord | null; latestOk: CleanupRunRecord | null };

/** How long one read of the cleanup records serves scrapes: one query per scrape, not per gauge. */
const CLEANUP_READ_MS = 1_000;

/** Outcomes of `/verify`, one counter series each. */
export type VerifyOutcome = 'allowed' | 'invalid_token' | 'revoked' | 'inactive' | 'error';

/**
 * Every metric of the auth service, in one place; the rest of the code reports through these
 * methods and never imports prom-client. Served on METRICS_PORT.
 */
export class AuthMetrics {
  readonly registry = new Registry();
  readonly #common = registerServiceMetrics(this.registry);

  readonly #verify = new Counter({
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

  #cleanupRead: { at: number; runs: Promise<CleanupRuns | null> } | undefined;

  /**
   * Reports the cleanup job's runs on every scrape, from `read` (the records in the database): the
   * CronJob's pods live for seconds, too short to be scraped, so every auth process reports the
   * latest run instead. Call once.
   */
  followCleanupRuns(read: () => Promise<CleanupRuns>): void {
    const gauge = <L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[],
      fill: (runs: CleanupRuns, gauge: Gauge<L>) => void,
    ) => {
      const runs = () => this.#cleanupRuns(read);
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

  /** The records, read at most once per {@link CLEANUP_READ_MS}; null when they cannot be read. */
  #cleanupRuns(read: () => Promise<CleanupRuns>): Promise<CleanupRuns | null> {
    const now = Date.now();
    if (!this.#cleanupRead || now - this.#cleanupRead.at > CLEANUP_READ_MS) {
      // a scrape must not fail because the database does not answer: the gauges keep their values
      this.#cleanupRead = { at: now, runs: read().catch(() => null) };
    }
    return this.#cleanupRead.runs;
  }

  readonly observeRequest = this.#common.observeRequest;
  readonly dbOperation = (role: string, operation: string, seconds: number) =>
    this.#common.dbOperation('auth', role, operation, seconds);
  readonly verifyOutcome = (outcome: VerifyOutcome) => this.#verify.inc({ outcome });
  readonly loginOutcome = (outcome: string) => this.#logins.inc({ outcome });
  readonly cacheLookup = this.#common.cacheLookup;
  readonly bcryptOperation = (operation: string, seconds: number) =>
    this.#bcrypt.observe({ operation }, seconds);
  readonly bcryptQueue = (waiting: number) => this.#bcryptWaiting.set(waiting);
  readonly bcryptRejected = () => this.#bcryptRejected.inc();
}
