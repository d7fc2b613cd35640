import type { MailMessage } from '../mail/mail-content.js';
import { MailSendError } from '../mail/mail-send-error.js';
import type { Mailer } from './mailer.js';

/** A send given up because the process is stopping: not the mail's failure, nor the server's. */
export class SendAbandoned extends Error {
  override readonly name = 'SendAbandoned';
}

/**
 * One delivery attempt through `mailer`, bounded twice: by `deadlineMs` (then it rejects with a
 * `MailSendError` of code `timeout`, a failed attempt) and by `shutdown` (then with
 * {@link SendAbandoned}). Either way the send's own signal is aborted, so the mailer closes its
 * connection: a server that answers late cannot complete a send the outbox has already given up,
 * which would deliver the mail a second time when it is tried again.
 *
 * @example
 * await sendAttempt(mailer, mail.id, message, 20_000, shutdown.signal);
 */
export async function sendAttempt(
  mailer: Mailer,
  id: string,
  message: MailMessage,
  deadlineMs: number,
  shutdown: AbortSignal,
): Promise<void> {
  const send = new AbortController();
  const abandon = () => send.abort(new SendAbandoned('the process is stopping'));
  const timer = setTimeout(
    () => send.abort(new MailSendError(`no answer within ${deadlineMs} ms`, 'timeout', false)),
    deadlineMs,
  );
  shutdown.addEventListener('abort', abandon, { once: true });
  if (shutdown.aborted) abandon();
  try {
    // raced with the signal itself: a mailer that ignored it would still not hold the loop
    await Promise.race([mailer.send(id, message, send.signal), rejectedOnAbort(send.signal)]);
  } catch (error) {
    // whichever rejected first, an abort's reason is what happened (the mailer's own error for it
    // would only say "aborted")
    throw send.signal.aborted ? send.signal.reason : error;
  } finally {
    clearTimeout(timer);
    shutdown.removeEventListener('abort', abandon);
  }
}

/** A promise that rejects with the signal's reason when it is aborted, and never settles else. */
function rejectedOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
