import { z } from 'zod';
import { normalizeEmail } from '../domain/email.js';

/** No control characters (NUL breaks Postgres and bcrypt) and no lone surrogates. */
const printable = (s: string) => !/[\p{Cc}\p{Cs}]/u.test(s);

/** An email for registration: normalised, then checked (ASCII addresses only). */
export const newEmail = z
  .string()
  .max(254)
  .transform(normalizeEmail)
  .pipe(z.email({ message: 'must be a valid email address' }));
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
export const updateMeBody = z.strictObject({ name: displayName.nullable() });
export const changePasswordBody = z.strictObject({
  current_password: password,
  new_password: password,
});
/** The token of a verification or reset link, as the page posts it. */
const linkToken = z.string().max(512);
export const verifyEmailBody = z.strictObject({ token: linkToken });
export const resetRequestBody = z.strictObject({ email: newEmail });
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
