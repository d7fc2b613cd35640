import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hstsSettings, loadConfig, serviceSettings } from '../../src/config.js';
import { cameOverTls, strictTransportSecurity } from '../../src/http/hsts.js';

const ON = { enabled: true, maxAgeSeconds: 31_536_000, includeSubdomains: false };

describe('strictTransportSecurity', () => {
  it('is max-age, with includeSubDomains when asked, and nothing when off', () => {
    expect(strictTransportSecurity(ON)).toBe('max-age=31536000');
    expect(strictTransportSecurity({ ...ON, includeSubdomains: true })).toBe(
      'max-age=31536000; includeSubDomains',
    );
    expect(strictTransportSecurity({ ...ON, maxAgeSeconds: 0 })).toBe('max-age=0');
    expect(strictTransportSecurity({ ...ON, enabled: false })).toBeUndefined();
  });
});

describe('cameOverTls', () => {
  it.each([
    // socket, X-Forwarded-Proto, trusted hops, over TLS
    [true, undefined, 0, true],
    [true, 'http', 1, true],
    [false, undefined, 1, false],
    [false, 'https', 0, false], // no trusted proxy: anyone may send the header
    [false, 'https', 1, true],
    [false, 'HTTPS', 1, true],
    [false, 'http', 1, false],
    [false, 'https, http', 1, false], // the nearest proxy says http; the rest is the client's
    [false, 'http, https', 1, true],
    [false, 'https, http', 2, true], // two trusted proxies: the outer one's entry
    [false, 'https', 2, true], // the inner proxy kept the outer one's value
    [false, 'ftp', 1, false],
    [false, '', 1, false],
  ] as const)('socket encrypted %s, %j, %i hops → %s', (encrypted, proto, hops, expected) => {
    expect(cameOverTls(encrypted, proto, hops)).toBe(expected);
  });
});

describe('the HSTS settings', () => {
  const schema = z.object(serviceSettings);

  it('default to on, one year, without subdomains, behind one trusted proxy', () => {
    const config = loadConfig(schema, {});
    expect(hstsSettings(config)).toEqual(ON);
    expect(config.TRUST_PROXY_HOPS).toBe(1);
  });

  it('read true/false and 1/0, and bound max-age to two years', () => {
    const config = loadConfig(schema, {
      HSTS_ENABLED: '0',
      HSTS_INCLUDE_SUBDOMAINS: 'true',
      HSTS_MAX_AGE_SECONDS: '0',
    });
    expect(hstsSettings(config)).toEqual({
      enabled: false,
      maxAgeSeconds: 0,
      includeSubdomains: true,
    });
    expect(() => loadConfig(schema, { HSTS_MAX_AGE_SECONDS: '63072001' })).toThrow(
      /HSTS_MAX_AGE_SECONDS/,
    );
    expect(() => loadConfig(schema, { HSTS_ENABLED: 'yes' })).toThrow(/HSTS_ENABLED/);
    expect(() => loadConfig(schema, { TRUST_PROXY_HOPS: '-1' })).toThrow(/TRUST_PROXY_HOPS/);
  });
});
