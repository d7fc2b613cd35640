import { startAuthServer, type TestAuthServer } from './auth-server.js';
import { mailEnv } from './mail-env.js';
import { PrivateMailpit } from './mailpit.js';
import { createScratchAuthDatabase, type ScratchAuthDatabase } from './scratch-auth-database.js';

/**
 * A mail suite's own world: a scratch database, so that its auth app is the only sender of that
 * database's mail, a Mailpit of its own that it may stop and start (an SMTP outage that disturbs
 * nobody else), and an auth app delivering to it.
 */
export interface MailSuite {
  readonly db: ScratchAuthDatabase;
  readonly mailpit: PrivateMailpit;
  readonly server: TestAuthServer;
  /** Stops the app and the Mailpit, drops the database. */
  close(): Promise<void>;
}

/** Options of {@link startMailSuite}. */
export interface MailSuiteOptions {
  /** Start the Mailpit before the app (default: no, the suite begins with SMTP down). */
  readonly smtpUp?: boolean;
  /** Mail settings over {@link mailEnv}'s (attempts, retry waits, timeouts). */
  readonly mail?: Record<string, string>;
}

/** Starts a {@link MailSuite}; what started is stopped again when a later part fails. */
export async function startMailSuite(options: MailSuiteOptions = {}): Promise<MailSuite> {
  const db = await createScratchAuthDatabase();
  let mailpit: PrivateMailpit | undefined;
  try {
    mailpit = await PrivateMailpit.create();
    if (options.smtpUp) await mailpit.start();
    const server = await startAuthServer({
      DATABASE_URL: db.url,
      DATABASE_REPLICA_URLS: '',
      ...mailEnv(mailpit.smtpPort, options.mail),
    });
    const started = mailpit;
    return {
      db,
      mailpit: started,
      server,
      async close() {
        await server.close();
        await started.dispose();
        await db.drop();
      },
    };
  } catch (error) {
    await mailpit?.dispose();
    await db.drop();
    throw error;
  }
}
