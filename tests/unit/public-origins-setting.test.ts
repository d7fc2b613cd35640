import { describe, expect, it } from 'vitest';
import { dev, prod } from '../../cdk8s/src/environments.js';
import { publicOriginsSetting } from '../../cdk8s/src/lib/service-definitions.js';
import { configSchema } from '../../services/auth/src/config.js';

const REQUIRED = {
  DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/auth',
  REDIS_URL: 'redis://127.0.0.1:6379',
  MFA_ENCRYPTION_KEY: 'A'.repeat(43),
};

describe('publicOriginsSetting', () => {
  it('joins origins and fails at synth, naming the prop, on anything else', () => {
    expect(publicOriginsSetting(['https://a.example', 'http://127.0.0.1:8080'])).toBe(
      'https://a.example,http://127.0.0.1:8080',
    );
    for (const bad of ['https://a.example/', 'https://A.example', 'ftp://a.example', 'a.example']) {
      expect(() => publicOriginsSetting([bad]), bad).toThrow(/^publicOrigins: /);
    }
    expect(() => publicOriginsSetting([])).toThrow('publicOrigins: give at least one origin');
  });

  it.each([dev, prod])('gives $name an auth setting the service accepts', (env) => {
    const parsed = configSchema.safeParse({
      ...REQUIRED,
      AUTH_ISSUER: env.authIssuer,
      PUBLIC_ORIGINS: publicOriginsSetting(env.publicOrigins),
    });
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(parsed.data?.PUBLIC_ORIGINS).toEqual(env.publicOrigins);
    expect(parsed.data?.SIGNIN_DEFAULT_REDIRECT).toBe(`${env.publicOrigins[0]}/`);
  });
});

describe('PUBLIC_ORIGINS and SIGNIN_DEFAULT_REDIRECT of the auth service', () => {
  it('default to the issuer origin, and refuse what is not an origin or a default elsewhere', () => {
    const parse = (env: Record<string, string>) => configSchema.safeParse({ ...REQUIRED, ...env });
    expect(parse({ AUTH_ISSUER: 'https://id.example/base' }).data?.PUBLIC_ORIGINS).toEqual([
      'https://id.example',
    ]);
    expect(parse({ PUBLIC_ORIGINS: 'https://a.example/path' }).success).toBe(false);
    expect(
      parse({ PUBLIC_ORIGINS: 'https://a.example', SIGNIN_DEFAULT_REDIRECT: 'https://b.example/' })
        .success,
    ).toBe(false);
    expect(
      parse({ PUBLIC_ORIGINS: 'https://a.example', SIGNIN_DEFAULT_REDIRECT: 'https://a.example/x' })
        .data?.SIGNIN_DEFAULT_REDIRECT,
    ).toBe('https://a.example/x');
  });
});
