import nodemailer, { type Transporter } from 'nodemailer';
import type { MailMessage } from './mail-content.js';
import { MailSendError } from './mail-send-error.js';

/** How the SMTP connection is secured (SMTP_TLS in docs/configuration.md). */
export type SmtpTls = 'implicit' | 'starttls' | 'none';

/** The settings of {@link SmtpMailer}, from the service's configuration. */
export interface SmtpMailerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: SmtpTls;
  /** Both or neither. */
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  /** The From header: `addr@domain` or `Name <addr@domain>`. */
  readonly from: string;
  /** How long to wait for the TCP (and implicit TLS) connection. */
  readonly connectionTimeoutMs: number;
  /** How long to wait for the greeting once connected. */
  readonly greetingTimeoutMs: number;
  /** The longest silence of the server during a send. */
  readonly socketTimeoutMs: number;
}

/**
 * Sends one mail over SMTP with nodemailer, one connection per mail: the outbox sends few, and a
 * connection that outlived a server restart would only fail the next one. TLS per
 * {@link SmtpTls}, certificates always verified; nodemailer's own logging is off (it would write
 * addresses and bodies).
 */
export class SmtpMailer {
  readonly #transport: Transporter;
  readonly #from: string;
  readonly #messageIdDomain: string;

  constructor(options: SmtpMailerOptions) {
    this.#from = options.from;
    this.#messageIdDomain = /@([^\s<>@]+)>?$/.exec(options.from)?.[1] ?? 'localhost';
    this.#transport = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.tls === 'implicit',
      // starttls: refuse to send when the server offers no STARTTLS; none: never upgrade
      requireTLS: options.tls === 'starttls',
      ignoreTLS: options.tls === 'none',
      tls: { minVersion: 'TLSv1.2' },
      ...(options.user !== undefined && options.password !== undefined
        ? { auth: { user: options.user, pass: options.password } }
        : {}),
      connectionTimeout: options.connectionTimeoutMs,
      greetingTimeout: options.greetingTimeoutMs,
      socketTimeout: options.socketTimeoutMs,
      logger: false,
      debug: false,
      // the content is ours, but nothing in a mail may make the process read a file or a URL
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  /**
   * Sends `message`; its outbox `id` becomes the Message-ID, the same at every attempt, so that a
   * mail delivered twice (a lease that ran out) can be recognised as one. Aborting `signal` closes
   * the connection at once, whatever it is waiting for.
   *
   * @throws MailSendError
   */
  async send(id: string, message: MailMessage, signal?: AbortSignal): Promise<void> {
    try {
      await this.#transport.sendMail({
        signal,
        from: this.#from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: `<${id}@${this.#messageIdDomain}>`,
      });
    } catch (error) {
      throw asMailSendError(error);
    }
  }
}

/** nodemailer's error: `responseCode` when the server answered, `code` for the transport's own. */
interface NodemailerError {
  readonly message?: string;
  readonly code?: string;
  readonly responseCode?: number;
}

function asMailSendError(error: unknown): MailSendError {
  const e = (error ?? {}) as NodemailerError;
  const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const code = reply !== undefined ? `smtp_${reply}` : (e.code ?? 'unknown');
  // A 5xx reply to this mail's envelope or content is the server's final word on it. A 5xx to the
  // login (EAUTH) or the connection is about our settings, not the mail: tried again, and the
  // retries show on the metrics until someone fixes them. 4xx and no answer may pass.
  const aboutThisMail = e.code === 'EENVELOPE' || e.code === 'EMESSAGE';
  const permanent = aboutThisMail && reply !== undefined && reply >= 500 && reply < 600;
  return new MailSendError(String(e.message ?? error).slice(0, 500), code, permanent);
}
