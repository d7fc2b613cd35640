import { describe, expect, it } from 'vitest';
import { BCRYPT_MAX_BYTES, PasswordPolicy } from '../../src/domain/password-policy.js';
import { estimateStrength } from '../../src/hashing/password-strength.js';

// zxcvbn itself, called in this thread (the service runs it on its hashing process)
const policy = new PasswordPolicy({
  minLength: 8,
  minScore: 3,
  estimate: async (password, userInputs) => estimateStrength(password, userInputs),
});
const codes = async (password: string, userInputs: string[] = []) =>
  (await policy.problems(password, { field: 'password', userInputs })).map((p) => p.code);

describe('PasswordPolicy', () => {
  it('accepts long passphrases without composition rules', async () => {
    expect(await codes('plaid otter canyon lantern')).toEqual([]);
    expect(await codes('月光の下で猫が静かに眠る夜')).toEqual([]);
  });

  it('refuses short, over-long (in bytes) and guessable passwords with reasons', async () => {
    expect(await codes('Ab1!xyz')).toEqual(['too_short']);
    expect(await codes('a'.repeat(BCRYPT_MAX_BYTES + 1))).toEqual(['too_long_bytes']);
    expect(await codes('é'.repeat(37))).toEqual(['too_long_bytes']); // 37 characters, 74 bytes
    expect(await codes('password1')).toEqual(['too_weak']);
    expect(await codes('qwertyuiop')).toEqual(['too_weak']);
    expect(
      await codes('margaret.hamilton1936', [
        'margaret.hamilton1936@nasa.gov',
        'margaret.hamilton1936',
      ]),
    ).toEqual(['too_weak']);
    const [weak] = await policy.problems('password1', { field: 'new_password', userInputs: [] });
    expect(weak?.field).toBe('new_password');
    expect(weak?.message.length).toBeGreaterThan(10);
  });

  it('normalises to NFKC so that one password typed two ways is one password', () => {
    expect(policy.normalize('ﬁne')).toBe('fine');
    expect(policy.normalize('e\u0301')).toBe('\u00e9');
  });
});
