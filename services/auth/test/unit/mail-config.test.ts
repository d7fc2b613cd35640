import { ConfigError } from '@shardgate/shared';
import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from '../../src/config.js';

const BASE = {
  DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/auth',
  REDIS_URL: 'redis://127.0.0.1:6379/0',
  // production (the default NODE_ENV) needs the key of the TOTP seeds
  MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64url'),
};

/** The problems of a configuration, or [] when it loads. */
function problems(env: Record<string, string>): readonly string[] {
  try {
    loadAuthConfig({ ...BASE, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('mail settings', () => {
  it('send nothing by default, and default the port to the TLS mode', () => {
    const config = loadAuthConfig(BASE);
    expect(config.SMTP_HOST).toBeUndefined();
    expect([config.SMTP_TLS, config.SMTP_PORT]).toEqual(['starttls', 587]);
    expect(loadAuthConfig({ ...BASE, SMTP_TLS: 'implicit' }).SMTP_PORT).toBe(465);
    expect(loadAuthConfig({ ...BASE, SMTP_TLS: 'none' }).SMTP_PORT).toBe(25);
    expect(loadAuthConfig({ ...BASE, SMTP_TLS: 'none', SMTP_PORT: '1025' }).SMTP_PORT).toBe(1025);
  });

  it('need MAIL_FROM with SMTP_HOST, and a user with a password', () => {
    expect(problems({ SMTP_HOST: 'smtp.example.com' })).toEqual([
      'MAIL_FROM: required when SMTP_HOST is set',
    ]);
    expect(problems({ SMTP_USER: 'mailer' })).toEqual([
      'SMTP_PASSWORD: SMTP_USER and SMTP_PASSWORD go together',
    ]);
    expect(problems({ SMTP_PASSWORD: 'secret-value' })).toEqual([
      'SMTP_USER: SMTP_USER and SMTP_PASSWORD go together',
    ]);
  });

  it('accept a From of one address, with or without a name, on one line', () => {
    for (const from of ['no-reply@example.com', 'shardgate <no-reply@example.com>'])
      expect(problems({ MAIL_FROM: from })).toEqual([]);
    for (const from of ['no-reply', 'a@b.c, d@e.f', 'x <a@b.c>\r\nBcc: e@f.g', '<a@b.c'])
      expect(problems({ MAIL_FROM: from })).toEqual([
        'MAIL_FROM: must be addr@domain or Name <addr@domain>',
      ]);
  });

  it('allow plain SMTP to a remote host only outside production, and never with a password', () => {
    const remote = { SMTP_HOST: 'mailpit.dev.svc', MAIL_FROM: 'a@b.c', SMTP_TLS: 'none' };
    expect(problems({ ...remote, NODE_ENV: 'development' })).toEqual([]);
    expect(problems({ ...remote, NODE_ENV: 'production' })).toEqual([
      'SMTP_TLS: none is allowed only with a loopback SMTP_HOST in production',
    ]);
    expect(
      problems({ ...remote, NODE_ENV: 'development', SMTP_USER: 'u', SMTP_PASSWORD: 'p' }),
    ).toEqual(['SMTP_TLS: none would send SMTP_PASSWORD in clear text to a remote host']);
    expect(
      problems({
        ...remote,
        SMTP_HOST: '127.0.0.1',
        NODE_ENV: 'production',
        SMTP_USER: 'u',
        SMTP_PASSWORD: 'p',
      }),
    ).toEqual([]);
  });

  it('bound every SMTP wait and the whole send, by default well within a pod’s grace period', () => {
    const config = loadAuthConfig(BASE);
    expect([
      config.SMTP_CONNECTION_TIMEOUT_MS,
      config.SMTP_GREETING_TIMEOUT_MS,
      config.SMTP_SOCKET_TIMEOUT_MS,
      config.MAIL_SEND_TIMEOUT_MS,
      config.MAIL_SHUTDOWN_TIMEOUT_MS,
    ]).toEqual([5_000, 5_000, 10_000, 20_000, 5_000]);
    for (const name of [
      'SMTP_CONNECTION_TIMEOUT_MS',
      'SMTP_GREETING_TIMEOUT_MS',
      'SMTP_SOCKET_TIMEOUT_MS',
    ]) {
      expect(problems({ [name]: '60000' })).toEqual([]);
      expect(problems({ [name]: '60001' }).map((p) => p.split(':')[0])).toEqual([name]);
      expect(problems({ [name]: '99' }).map((p) => p.split(':')[0])).toEqual([name]);
    }
  });

  it('keep the mail’s shutdown within the HTTP drain', () => {
    expect(problems({ MAIL_SHUTDOWN_TIMEOUT_MS: '30000' })).toEqual([]);
    expect(problems({ MAIL_SHUTDOWN_TIMEOUT_MS: '30001' })).toEqual([
      'MAIL_SHUTDOWN_TIMEOUT_MS: must be at most SHUTDOWN_DRAIN_DELAY_MS + SHUTDOWN_TIMEOUT_MS (the HTTP drain)',
    ]);
    expect(
      problems({
        MAIL_SHUTDOWN_TIMEOUT_MS: '3000',
        SHUTDOWN_DRAIN_DELAY_MS: '1000',
        SHUTDOWN_TIMEOUT_MS: '1000',
      }).map((p) => p.split(':')[0]),
    ).toEqual(['MAIL_SHUTDOWN_TIMEOUT_MS']);
    expect(problems({ MAIL_SHUTDOWN_TIMEOUT_MS: '0' })).toEqual([]);
  });

  it('name a bad value without echoing it', () => {
    const found = problems({ SMTP_PORT: 'secret-looking-99', MAIL_RETRY_MAX_MS: '10' });
    expect(found.join('\n')).not.toContain('secret-looking-99');
    expect(found.map((p) => p.split(':')[0])).toEqual(['SMTP_PORT']);
    expect(problems({ MAIL_RETRY_BASE_MS: '5000', MAIL_RETRY_MAX_MS: '1000' })).toEqual([
      'MAIL_RETRY_MAX_MS: must be at least MAIL_RETRY_BASE_MS',
    ]);
  });
});
