/**
 * Password strength by zxcvbn: dictionaries of common passwords, names and words, keyboard
 * patterns, and the user's own inputs. Run on the hashing process's strength thread (hash-pool.ts),
 * never on the event loop: an estimate takes 15 ms for an ordinary password and over half a second
 * for a long keyboard walk, and the dictionaries hold about 25 MB.
 *
 * Free of relative imports, like hash-worker.ts, which loads it.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

/** What zxcvbn concluded, as the password policy needs it. */
export interface StrengthEstimate {
  /** 0 (guessable) to 4 (very hard to guess). */
  readonly score: number;
  readonly warning: string | null;
  readonly suggestions: readonly string[];
}

let zxcvbn: ZxcvbnFactory | undefined;

/** Estimates how hard `password` is to guess; `userInputs` count as known words. */
export function estimateStrength(
  password: string,
  userInputs: readonly string[],
): StrengthEstimate {
  zxcvbn ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
  });
  const result = zxcvbn.check(password, [...userInputs]);
  const warning = result.feedback.warning;
  return {
    score: result.score,
    warning: typeof warning === 'string' && warning.length > 0 ? warning : null,
    suggestions: result.feedback.suggestions.filter(
      (s): s is string => typeof s === 'string' && s.length > 0,
    ),
  };
}
