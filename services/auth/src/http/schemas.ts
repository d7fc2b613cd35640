import { z } from 'zod';
import { normalizeEmail } from '../domain/email.js';
import type { SecondFactor } from '../domain/mfa.js';
import { normalizeRecoveryCode } from '../domain/recovery-codes.js';

/** No control characters (NUL breaks Postgres and bcrypt) and no lone surrogates. */
const printable = (s: string) => !/[\p{Cc}\p{Cs}]/u.test(s);

/**
 * Whether an address keeps SMTP's limits (RFC 5321 §4.5.3.1): a local part of at most 64
 * characters and domain labels of at most 63. Past them no mail can be delivered, and JSON
 * Schema's `email` format, which the OpenAPI document promises, refuses them too.
 */
const deliverable = (email: string) => {
  const at = email.lastIndexOf('@');
  return (
    at <= 64 &&
    email
      .slice(at + 1)
      .split('.')
      .every((label) => label.length <= 63)
  );
};

/** An email for registration: normalised, then checked (ASCII addresses only). */
export const newEmail = z
  .string()
  .max(254)
  .transform(normalizeEmail)
  .pipe(
    z
      .email({ message: 'must be a valid email address' })
      .refine(deliverable, 'must be a valid email address'),
  );
/** An email at login: normalised, not judged (an unknown shape is simply an unknown account). */
export const loginEmail = z.string().min(1).max(254).transform(normalizeEmail);
/** A password as submitted; the policy judges strength and byte length. */
export const password = z
  .string()
  .min(1)
  .max(1024)
  .refine((s) => !s.includes('\u0000'), 'must not contain NUL');
/** A display name: 1-100 printable characters, NFC, trimmed. */
export const displayName = z
  .string()
  .transform((s) => s.normalize('NFC').trim())
  .pipe(z.string().min(1).max(100).refine(printable, 'must not contain control characters'));

export const registerBody = z.strictObject({
  email: newEmail,
  password,
  name: displayName.nullable().optional(),
});
export const loginBody = z.strictObject({ email: loginEmail, password });
export const refreshBody = z.strictObject({ refresh_token: z.string().max(512) });
/** `PATCH /auth/me`: merge-patch semantics, an absent field is unchanged (`{}` changes nothing). */
export const updateMeBody = z.strictObject({ name: displayName.nullable().optional() });
export const changePasswordBody = z.strictObject({
  current_password: password,
  new_password: password,
});
/** The token of a verification or reset link, as the page posts it. */
const linkToken = z.string().max(512);
/** `POST /auth/email/verify`. */
export const verifyEmailBody = z.strictObject({ token: linkToken });
/** `POST /auth/password/reset`: the address, normalised and judged like a registration's. */
export const resetRequestBody = z.strictObject({ email: newEmail });
/** `POST /auth/password/reset/confirm`. */
export const resetCompleteBody = z.strictObject({ token: linkToken, password });
export const administerBody = z
  .strictObject({ active: z.boolean().optional(), role: z.enum(['user', 'admin']).optional() })
  .refine((b) => b.active !== undefined || b.role !== undefined, 'give active, role or both');
export const introspectBody = z
  .strictObject({ token: z.string().max(8192).optional(), access: z.string().max(8192).optional() })
  .refine(
    (b) => (b.token === undefined) !== (b.access === undefined),
    'give exactly one of token, access',
  );
/** A user id in a path: a positive decimal integer that fits Postgres `integer`. */
export const userIdParam = z.coerce.number().int().min(1).max(2_147_483_647);

/** A TOTP code: six ASCII digits. */
const totpCode = z.string().regex(/^[0-9]{6}$/, 'must be 6 digits');
const isRecoveryCode = (s: string) => normalizeRecoveryCode(s) !== null;
/** A recovery code as shown (`ABCD-EFGH-IJKL-MNOP`); case, spaces and hyphens do not matter. */
const recoveryCode = z
  .string()
  .max(64)
  .refine(isRecoveryCode, 'must be a recovery code (16 base32 characters)');
/** `code` takes a TOTP code or a recovery code, told apart by their shapes. */
const anyCode = z
  .string()
  .max(64)
  .refine((s) => /^[0-9]{6}$/.test(s) || isRecoveryCode(s), 'must be 6 digits or a recovery code');
const factorFields = { code: anyCode.optional(), recovery_code: recoveryCode.optional() };
const oneFactor = (b: { code?: string | undefined; recovery_code?: string | undefined }) =>
  (b.code === undefined) !== (b.recovery_code === undefined);

/** `POST /auth/mfa/totp`: the account's password, checked again before a seed is made. */
export const enrolTotpBody = z.strictObject({ current_password: password });
/** `POST /auth/mfa/totp/confirm`. */
export const confirmTotpBody = z.strictObject({ code: totpCode });
/** `DELETE /auth/mfa/totp`: one factor. */
export const disableTotpBody = z
  .strictObject(factorFields)
  .refine(oneFactor, 'give exactly one of code, recovery_code');
/** `POST /auth/login/mfa`: the challenge and one factor. */
export const loginMfaBody = z
  .strictObject({ mfa_token: z.string().max(512), ...factorFields })
  .refine(oneFactor, 'give exactly one of code, recovery_code');

/** The second factor a validated `{code}` or `{recovery_code}` names. */
export function secondFactorOf(body: {
  code?: string | undefined;
  recovery_code?: string | undefined;
}): SecondFactor {
  if (body.code !== undefined && /^[0-9]{6}$/.test(body.code))
    return { kind: 'totp', code: body.code };
  return { kind: 'recovery', code: body.recovery_code ?? body.code ?? '' };
}
