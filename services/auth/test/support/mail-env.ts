import { inject } from 'vitest';

/** The sender of the test suites' mail. */
export const TEST_MAIL_FROM = 'shardgate tests <no-reply@shardgate.test>';

/**
 * Settings that make a test auth app send its mail to the Mailpit at `smtpPort` (the test
 * stack's by default), retrying quickly so that an outage test takes seconds, not hours.
 */
export function mailEnv(
  smtpPort: number = inject('stack').mailpitSmtpPort,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
    SMTP_TLS: 'none',
    MAIL_FROM: TEST_MAIL_FROM,
    MAIL_RETRY_BASE_MS: '50',
    MAIL_RETRY_MAX_MS: '300',
    MAIL_POLL_INTERVAL_MS: '50',
    MAIL_SEND_TIMEOUT_MS: '5000',
    ...overrides,
  };
}

/** A recipient no other test uses. */
export function uniqueAddress(label: string): string {
  return `${label}-${crypto.randomUUID()}@example.com`;
}
