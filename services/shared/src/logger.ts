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
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.databaseUrl',
  '*.redisUrl',
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
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
