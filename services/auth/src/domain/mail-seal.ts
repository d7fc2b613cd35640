import { hkdfSync } from 'node:crypto';
import { SecretBox } from './secret-box.js';

/** HKDF's `info` for the outbox's key: another purpose, another key, from the same secret. */
const MAIL_KEY_INFO = 'shardgate/mail-outbox-bodies/v1';

/** The two bodies of a mail, plain or sealed. */
export interface MailBodies {
  readonly text: string;
  readonly html: string;
}

/**
 * Seals the bodies of outbox mail at rest: AES-256-GCM ({@link SecretBox}) under a key derived
 * with HKDF-SHA256 from the service's MFA_ENCRYPTION_KEY, so a ciphertext of one purpose never
 * opens under the other's key, and no second secret has to be provisioned. Each body is bound to
 * its row's id, its recipient and its part: a body copied to another row, or a row whose recipient
 * was changed, does not open (docs/decisions.md, "Mail").
 *
 * @example
 * const seal = new MailSeal(config.MFA_ENCRYPTION_KEY);
 * const stored = seal.seal(id, 'ada@example.com', { text, html });
 * seal.open(id, 'ada@example.com', stored); // { text, html }
 */
export class MailSeal {
  readonly #box: SecretBox;

  /** @param masterKeyBase64url - 32 bytes, base64url (`MFA_ENCRYPTION_KEY`). */
  constructor(masterKeyBase64url: string) {
    const master = Buffer.from(masterKeyBase64url, 'base64url');
    if (master.length !== 32) throw new RangeError('the key must be 32 bytes');
    const key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), MAIL_KEY_INFO, 32));
    this.#box = new SecretBox(key.toString('base64url'));
  }

  /** Seals both bodies of the mail `id` to `to`. */
  seal(id: string, to: string, bodies: MailBodies): MailBodies {
    return {
      text: this.#box.seal(Buffer.from(bodies.text, 'utf8'), context(id, to, 'text')),
      html: this.#box.seal(Buffer.from(bodies.html, 'utf8'), context(id, to, 'html')),
    };
  }

  /**
   * Opens what {@link seal} made for the same id and recipient.
   * @throws SealedValueRejected (secret-box.ts) when the key, the id, the recipient or a byte differs
   */
  open(id: string, to: string, sealed: MailBodies): MailBodies {
    return {
      text: this.#box.open(sealed.text, context(id, to, 'text')).toString('utf8'),
      html: this.#box.open(sealed.html, context(id, to, 'html')).toString('utf8'),
    };
  }
}

/** The additional data a body is bound to; JSON, so no field can run into the next. */
function context(id: string, to: string, part: 'text' | 'html'): string {
  return JSON.stringify(['mail_outbox', id, to, part]);
}
