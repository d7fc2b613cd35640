/** What a mail says: its subject and the same content as plain text and as HTML. */
export interface MailContent {
  /** One line; line breaks are folded into spaces when the mail is enqueued. */
  readonly subject: string;
  readonly text: string;
  /** A whole HTML document; every value interpolated into it escaped (`templates/html.ts`). */
  readonly html: string;
}

/** A mail to one recipient, as the outbox keeps it and a {@link MailContent} template renders it. */
export interface MailMessage extends MailContent {
  /** One address (`addr@domain`), never a list. */
  readonly to: string;
}
