import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from '../../src/domain/base32.js';
import {
  hashRecoveryCode,
  newRecoveryCode,
  normalizeRecoveryCode,
} from '../../src/domain/recovery-codes.js';
import {
  DEVELOPMENT_MFA_KEY,
  SealedValueRejected,
  SecretBox,
} from '../../src/domain/secret-box.js';
import { hotp, matchTotp, timeStep, totpAt } from '../../src/domain/totp.js';

/** The SHA-1 key of RFC 4226 Appendix D and RFC 6238 Appendix B. */
const RFC_KEY = Buffer.from('12345678901234567890');

describe('base32 (RFC 4648 §10 test vectors, unpadded)', () => {
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('%j ↔ %s', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain))).toBe(encoded);
    expect(base32Decode(encoded).toString()).toBe(plain);
    expect(base32Decode(`${encoded.toLowerCase()}===`).toString()).toBe(plain);
  });

  it('round-trips 20 random-looking bytes into 32 characters and refuses other characters', () => {
    const bytes = Buffer.from(Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0xff));
    const text = base32Encode(bytes);
    expect(text).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(text)).toEqual(bytes);
    expect(() => base32Decode('MZ1W')).toThrow(RangeError);
  });
});

describe('HOTP / TOTP', () => {
  it('matches RFC 4226 Appendix D (6 digits)', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922'];
    expected.forEach((code, counter) => {
      expect(hotp(RFC_KEY, BigInt(counter), 6)).toBe(code);
    });
  });

  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('matches RFC 6238 Appendix B (SHA-1, 8 digits) at T=%i', (seconds, code) => {
    expect(totpAt(RFC_KEY, timeStep(seconds * 1000), 8)).toBe(code);
    // the product's 6 digits are the same truncation, modulo 10^6
    expect(totpAt(RFC_KEY, timeStep(seconds * 1000))).toBe(code.slice(2));
  });

  it('accepts the current step and one on either side, answering the step; nothing else', () => {
    const now = 1_111_111_111_000;
    const step = timeStep(now);
    for (const offset of [-1n, 0n, 1n])
      expect(matchTotp(RFC_KEY, totpAt(RFC_KEY, step + offset), now)).toBe(step + offset);
    for (const offset of [-3n, -2n, 2n, 3n]) {
      const code = totpAt(RFC_KEY, step + offset);
      const inWindow = [-1n, 0n, 1n].some((o) => totpAt(RFC_KEY, step + o) === code);
      if (!inWindow) expect(matchTotp(RFC_KEY, code, now)).toBeNull();
    }
    for (const bad of ['', '12345', '1234567', '12345a', '１２３４５６', '00000\u0000'])
      expect(matchTotp(RFC_KEY, bad, now)).toBeNull();
  });
});

describe('SecretBox (AES-256-GCM, bound to a context)', () => {
  const box = new SecretBox(DEVELOPMENT_MFA_KEY);
  const seed = Buffer.from('0123456789abcdefghij');

  it('opens what it sealed with the same context; a fresh IV each time', () => {
    const a = box.seal(seed, '42');
    const b = box.seal(seed, '42');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(12 + 16 + seed.length);
    expect(box.open(a, '42')).toEqual(seed);
  });

  it('refuses another context, another key, a flipped bit and a short value', () => {
    const sealed = box.seal(seed, '42');
    expect(() => box.open(sealed, '43')).toThrow(SealedValueRejected);
    const other = new SecretBox(Buffer.alloc(32, 7).toString('base64url'));
    expect(() => other.open(sealed, '42')).toThrow(SealedValueRejected);
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    expect(() => box.open(bytes.toString('base64url'), '42')).toThrow(SealedValueRejected);
    expect(() => box.open('abc', '42')).toThrow(SealedValueRejected);
  });

  it('wants a 32-byte key', () => {
    expect(() => new SecretBox(Buffer.alloc(16).toString('base64url'))).toThrow(RangeError);
  });
});

describe('recovery codes', () => {
  it('are 80 random bits in four groups of four base32 characters, hashed normalised', () => {
    const codes = new Set(Array.from({ length: 50 }, newRecoveryCode));
    expect(codes.size).toBe(50);
    for (const code of codes) expect(code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    const code = [...codes][0] as string;
    const normal = normalizeRecoveryCode(code);
    expect(normal).toBe(code.replaceAll('-', ''));
    expect(normalizeRecoveryCode(` ${code.toLowerCase().replaceAll('-', ' ')} `)).toBe(normal);
    expect(hashRecoveryCode(normal as string)).toMatch(/^[0-9a-f]{64}$/);
    for (const bad of [
      '',
      'ABCD-EFGH-IJKL',
      'ABCD-EFGH-IJKL-MNO1',
      '0000000000000000',
      'x'.repeat(999),
    ])
      expect(normalizeRecoveryCode(bad)).toBeNull();
  });
});
