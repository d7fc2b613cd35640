/**
 * A delivery that failed, as the outbox needs to judge it: `permanent` when trying again cannot
 * help (the server refused the mail or its recipient with a 5xx reply), else it is tried again
 * later. The message never contains the mail: it is stored for operators and its `code` logged.
 */
export class MailSendError extends Error {
  override readonly name = 'MailSendError';

  constructor(
    message: string,
    /** A short, address-free code to log: the SMTP reply code or the transport's error code. */
    readonly code: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}
