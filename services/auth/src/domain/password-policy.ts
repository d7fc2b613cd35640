import type { FieldError } from '@shardgate/shared';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

/** bcrypt reads at most this many bytes; longer passwords are refused rather than truncated. */
export const BCRYPT_MAX_BYTES = 72;

/** Settings of {@link PasswordPolicy}. */
export interface PasswordPolicyOptions {
  readonly minLength: number;
  readonly minScore: number;
}

/**
 * Password rules after NIST SP 800-63B: a minimum length, a maximum that bcrypt can honour, and a
 * strength estimate (zxcvbn: dictionaries of common passwords, names, keyboard patterns, plus the
 * user's own email and name) instead of composition rules. Passwords are NFKC-normalised first,
 * as 800-63B recommends, so the same password typed on two keyboards hashes the same.
 */
export class PasswordPolicy {
  readonly #zxcvbn = new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
  });

  constructor(private readonly options: PasswordPolicyOptions) {}

  /** The form a password is hashed and compared in. */
  normalize(password: string): string {
    return password.normalize('NFKC');
  }

  /** Problems of a new password, empty when acceptable. `field` names the request field. */
  problems(password: string, context: { field: string; userInputs: string[] }): FieldError[] {
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
    const result = this.#zxcvbn.check(normalized, context.userInputs.filter(Boolean));
    if (result.score >= this.options.minScore) return [];
    const reasons = [result.feedback.warning, ...result.feedback.suggestions].filter(
      (s): s is string => typeof s === 'string' && s.length > 0,
    );
    return [
      {
        field,
        code: 'too_weak',
        message: reasons.length > 0 ? reasons.join(' ') : 'This password is too easy to guess.',
      },
    ];
  }
}
