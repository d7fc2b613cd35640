import type { MailMessage } from '../mail/mail-content.js';

/**
 * Where the outbox hands a mail to be sent: `SmtpMailer` (mail/smtp-mailer.ts) in the service.
 * `send` resolves once the server has accepted the mail, and rejects with a `MailSendError`
 * (mail/mail-send-error.ts) that says whether trying again can help.
 */
export interface Mailer {
  /**
   * Sends `message`; `id` is its outbox id, the same at every attempt. Aborting `signal` abandons
   * the send (its connection closed); it then rejects.
   */
  send(id: string, message: MailMessage, signal?: AbortSignal): Promise<void>;
}
