/**
 * Normalises an email address for storage and lookup: trimmed, Unicode NFC, lower-cased.
 * Uniqueness is therefore case-insensitive (`Ann@Example.com` and `ann@example.com` are one
 * account), which is what users expect even though RFC 5321 allows case-sensitive local parts.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
