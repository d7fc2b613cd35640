import { describe, expect, it } from 'vitest';
import { MailSeal } from '../../src/domain/mail-seal.js';
import {
  DEVELOPMENT_MFA_KEY,
  SealedValueRejected,
  SecretBox,
} from '../../src/domain/secret-box.js';

const ID = '6f1c1f7e-3f53-4c39-9d51-0d6f0f3c2a11';
const TO = 'ada@example.com';
const BODIES = {
  text: 'Choose a new password: https://example.com/reset#token=abc ✓',
  html: '<p>Choose a <a href="https://example.com/reset#token=abc">new password</a></p>',
};

describe('MailSeal', () => {
  const seal = new MailSeal(DEVELOPMENT_MFA_KEY);

  it('opens what it sealed for the same mail and recipient, and hides the bodies', () => {
    const sealed = seal.seal(ID, TO, BODIES);
    expect(sealed.text).not.toContain('token=abc');
    expect(sealed.html).not.toContain('token=abc');
    expect(sealed.text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(seal.open(ID, TO, sealed)).toEqual(BODIES);
    // a fresh IV each time: the same mail sealed twice gives two ciphertexts
    expect(seal.seal(ID, TO, BODIES).text).not.toBe(sealed.text);
  });

  it('refuses another row, another recipient, swapped parts, a changed byte, another key', () => {
    const sealed = seal.seal(ID, TO, BODIES);
    const refused = (run: () => unknown) => expect(run).toThrow(SealedValueRejected);
    refused(() => seal.open('00000000-0000-4000-8000-000000000000', TO, sealed));
    refused(() => seal.open(ID, 'mallory@example.com', sealed));
    refused(() => seal.open(ID, TO, { text: sealed.html, html: sealed.text }));
    const bytes = Buffer.from(sealed.text, 'base64url');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    refused(() => seal.open(ID, TO, { ...sealed, text: bytes.toString('base64url') }));
    refused(() => new MailSeal(Buffer.alloc(32, 7).toString('base64url')).open(ID, TO, sealed));
  });

  it('uses a key of its own, not the one that seals TOTP seeds', () => {
    const sealed = seal.seal(ID, TO, BODIES);
    const context = JSON.stringify(['mail_outbox', ID, TO, 'text']);
    expect(() => new SecretBox(DEVELOPMENT_MFA_KEY).open(sealed.text, context)).toThrow(
      SealedValueRejected,
    );
  });

  it('wants a 32-byte key', () => {
    expect(() => new MailSeal(Buffer.alloc(16).toString('base64url'))).toThrow(RangeError);
  });
});
