import { createHmac, timingSafeEqual } from 'node:crypto';

/** Seconds per TOTP time step (RFC 6238's default, what every authenticator app uses). */
export const TOTP_PERIOD_SECONDS = 30;
/** Digits of the codes this service asks for. */
export const TOTP_DIGITS = 6;

/**
 * HOTP (RFC 4226 §5.3): HMAC-SHA1 of the 8-byte big-endian counter, dynamically truncated to
 * `digits` decimal digits (zero-padded).
 *
 * @example
 * hotp(Buffer.from('12345678901234567890'), 0n, 6); // '755224' (RFC 4226 Appendix D)
 */
export function hotp(key: Uint8Array, counter: bigint, digits: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(counter);
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The TOTP time step (RFC 6238 §4.2, T0 = 0) of an instant in milliseconds. */
export function timeStep(nowMs: number, periodSeconds = TOTP_PERIOD_SECONDS): bigint {
  return BigInt(Math.floor(nowMs / 1000 / periodSeconds));
}

/** The TOTP code (RFC 6238) of a time step. */
export function totpAt(key: Uint8Array, step: bigint, digits = TOTP_DIGITS): string {
  return hotp(key, step, digits);
}

/**
 * The time step whose code `code` is, among the current step and one on either side (a clock
 * off by up to 30 s, or a code typed as it rolled over); null when none matches. Every candidate
 * is computed and compared in constant time, so a wrong code takes as long as a right one. When
 * two steps share the code, the later one is answered: replay protection then refuses both.
 */
export function matchTotp(
  key: Uint8Array,
  code: string,
  nowMs: number,
  digits = TOTP_DIGITS,
): bigint | null {
  // the shape is no secret: only the comparison with the expected codes must not leak
  if (code.length !== digits || !/^\d+$/.test(code)) return null;
  const given = Buffer.from(code);
  const current = timeStep(nowMs);
  let matched: bigint | null = null;
  for (const step of [current - 1n, current, current + 1n]) {
    // no early exit: the loop's time must not tell which step (if any) matched
    if (timingSafeEqual(Buffer.from(totpAt(key, step, digits)), given)) matched = step;
  }
  return matched;
}
