import { ConfigError } from '@shardgate/shared';
import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from '../../src/config.js';
import { DEVELOPMENT_MFA_KEY } from '../../src/domain/secret-box.js';

const BASE = { DATABASE_URL: 'postgresql://a@h/d', REDIS_URL: 'redis://h:6379' };
const KEY = Buffer.alloc(32, 9).toString('base64url');

describe('MFA_ENCRYPTION_KEY', () => {
  it('is required in production, with how to make one; the value never appears', () => {
    let error: unknown;
    try {
      loadAuthConfig({ ...BASE, NODE_ENV: 'production', AUTH_KEYS_DIR: '/k' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(
        /^MFA_ENCRYPTION_KEY: is required when NODE_ENV=production; .*openssl rand -base64 32/,
      ),
    ]);
    const config = loadAuthConfig({ ...BASE, NODE_ENV: 'production', MFA_ENCRYPTION_KEY: KEY });
    expect(config.MFA_ENCRYPTION_KEY).toBe(KEY);
  });

  it('falls back to the development key outside production; refuses a key of the wrong size', () => {
    expect(loadAuthConfig({ ...BASE, NODE_ENV: 'development' }).MFA_ENCRYPTION_KEY).toBe(
      DEVELOPMENT_MFA_KEY,
    );
    expect(
      loadAuthConfig({ ...BASE, NODE_ENV: 'test', MFA_ENCRYPTION_KEY: `${KEY}=` })
        .MFA_ENCRYPTION_KEY,
    ).toBe(KEY);
    for (const bad of [KEY.slice(1), `${KEY}AA`, Buffer.alloc(32, 0xfb).toString('base64')]) {
      expect(() => loadAuthConfig({ ...BASE, NODE_ENV: 'test', MFA_ENCRYPTION_KEY: bad })).toThrow(
        /MFA_ENCRYPTION_KEY: must be 32 bytes/,
      );
    }
    expect(loadAuthConfig({ ...BASE, NODE_ENV: 'test' }).TOTP_ISSUER).toBe('shardgate');
  });
});
