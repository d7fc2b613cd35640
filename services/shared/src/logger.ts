import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks wherever they appear in a log object: credentials must never reach the logs,
 * even when a whole request, body or error is logged by mistake.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.current_password',
  '*.new_password',
  'token',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  // MFA: the login challenge, seeds (raw and in their URI), codes and recovery codes
  'mfa_token',
  '*.mfa_token',
  '*.secret',
  '*.otpauth_uri',
  '*.recovery_code',
  '*.recovery_codes',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.databaseUrl',
  '*.redisUrl',
  // SMTP credentials: the setting by name, and nodemailer's `auth: { user, pass }`
  'SMTP_PASSWORD',
  '*.SMTP_PASSWORD',
  '*.pass',
];

/**
 * Creates the JSON logger of a service (one line per event, `service` on every line), writing to
 * stdout or, in tests, to `destination`.
 */
export function createLogger(options: {
  service: string;
  level: string;
  destination?: pino.DestinationStream;
}): Logger {
  const settings = {
    level: options.level,
    base: { service: options.service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(settings, options.destination ?? bufferedStdout());
}

/** How long a log line may wait in the buffer when traffic is too low to fill it. */
const FLUSH_INTERVAL_MS = 250;

/**
 * stdout in 4 KiB writes rather than one write per line: on these machines a write costs about
 * 16 µs under load, and one per `/verify` line took 40 % of the hot path's throughput
 * (docs/benchmarks.md). A timer flushes what is pending every 250 ms so that lines show up at low
 * traffic too, and pino flushes synchronously when the process exits (crash included); only a
 * SIGKILL can lose the last quarter second.
 */
function bufferedStdout(): pino.DestinationStream {
  const stdout = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => stdout.flush(), FLUSH_INTERVAL_MS).unref();
  return stdout;
}
