import type { FieldError } from '@shardgate/shared';
import type { StrengthEstimate } from '../hashing/password-strength.js';

/** bcrypt reads at most this many bytes; longer passwords are refused rather than truncated. */
export const BCRYPT_MAX_BYTES = 72;

/** Settings of {@link PasswordPolicy}. */
export interface PasswordPolicyOptions {
  readonly minLength: number;
  readonly minScore: number;
  /**
   * zxcvbn's estimate (hashing/password-strength.ts), run where it cannot hold up the event loop:
   * the hashing process. May reject with the hashing process's busy error.
   */
  readonly estimate: (password: string, userInputs: readonly string[]) => Promise<StrengthEstimate>;
}

/**
 * Password rules after NIST SP 800-63B: a minimum length, a maximum that bcrypt can honour, and a
 * strength estimate (zxcvbn: dictionaries of common passwords, names, keyboard patterns, plus the
 * user's own email and name) instead of composition rules. Passwords are NFKC-normalised first,
 * as 800-63B recommends, so the same password typed on two keyboards hashes the same.
 */
export class PasswordPolicy {
  constructor(private readonly options: PasswordPolicyOptions) {}

  /** The form a password is hashed and compared in. */
  normalize(password: string): string {
    return password.normalize('NFKC');
  }

  /** Problems of a new password, empty when acceptable. `field` names the request field. */
  async problems(
    password: string,
    context: { field: string; userInputs: string[] },
  ): Promise<FieldError[]> {
    const normalized = this.normalize(password);
    const { field } = context;
    const length = [...normalized].length;
    if (length < this.options.minLength) {
      return [
        { field, code: 'too_short', message: `Use at least ${this.options.minLength} characters.` },
      ];
    }
    if (Buffer.byteLength(normalized, 'utf8') > BCRYPT_MAX_BYTES) {
      return [
        {
          field,
          code: 'too_long_bytes',
          message: `Use at most ${BCRYPT_MAX_BYTES} bytes (UTF-8); longer passwords are not truncated.`,
        },
      ];
    }
    const result = await this.options.estimate(normalized, context.userInputs.filter(Boolean));
    if (result.score >= this.options.minScore) return [];
    const reasons = [result.warning, ...result.suggestions].filter((s): s is string => s !== null);
    return [
      {
        field,
        code: 'too_weak',
        message: reasons.length > 0 ? reasons.join(' ') : 'This password is too easy to guess.',
      },
    ];
  }
}
