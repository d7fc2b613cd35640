import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The key used when `MFA_ENCRYPTION_KEY` is unset outside production: derived from a constant
 * published in this repository, so it protects nothing. Development and tests only; production
 * refuses to start without a key of its own (config.ts).
 */
export const DEVELOPMENT_MFA_KEY = createHash('sha256')
  .update('shardgate development-only MFA key; never protects real secrets')
  .digest()
  .toString('base64url');

/** The sealed value could not be opened: wrong key, another user's value, or tampered. */
export class SealedValueRejected extends Error {
  override readonly name = 'SealedValueRejected';
}

/**
 * Authenticated encryption of small secrets at rest (TOTP seeds): AES-256-GCM with a random
 * 12-byte IV per value, stored as base64url of `iv | tag | ciphertext`. The caller binds each
 * value to its owner (`context`, the user id) as additional authenticated data, so a value copied
 * to another user's row fails to open.
 */
export class SecretBox {
  readonly #key: Buffer;

  /** @param keyBase64url - 32 bytes, base64url (`MFA_ENCRYPTION_KEY`). */
  constructor(keyBase64url: string) {
    this.#key = Buffer.from(keyBase64url, 'base64url');
    if (this.#key.length !== 32) throw new RangeError('the key must be 32 bytes');
  }

  /** Encrypts `plaintext` bound to `context`. */
  seal(plaintext: Uint8Array, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
  }

  /**
   * Decrypts what {@link seal} produced with the same context.
   * @throws {@link SealedValueRejected} when the key, the context or any byte differs.
   */
  open(sealed: string, context: string): Buffer {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SealedValueRejected('too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new SealedValueRejected('authentication failed');
    }
  }
}
