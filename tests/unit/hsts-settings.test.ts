import { resolve } from 'node:path';
import { hstsSettings, loadConfig, serviceSettings } from '@shardgate/shared';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hstsConfig } from '../../cdk8s/src/lib/service-definitions.js';
import { loadManifests } from '../support/k8s-manifests.js';

const root = resolve(import.meta.dirname, '../..');

describe('hstsConfig', () => {
  it('writes nothing for the services’ defaults, HSTS_ENABLED=false for off, else all three', () => {
    expect(hstsConfig(undefined)).toEqual({});
    expect(hstsConfig('off')).toEqual({ HSTS_ENABLED: 'false' });
    expect(hstsConfig({ maxAgeSeconds: 600, includeSubdomains: true })).toEqual({
      HSTS_ENABLED: 'true',
      HSTS_MAX_AGE_SECONDS: '600',
      HSTS_INCLUDE_SUBDOMAINS: 'true',
    });
  });

  it('refuses at synth a max-age the services would refuse at start', () => {
    for (const maxAgeSeconds of [-1, 1.5, 63_072_001]) {
      expect(() => hstsConfig({ maxAgeSeconds, includeSubdomains: false })).toThrow(
        'hsts.maxAgeSeconds',
      );
    }
  });
});

describe.each(['dev', 'prod'])('k8s/%s', (env) => {
  const configMaps = loadManifests(resolve(root, 'k8s', env))
    .map(({ object }) => object)
    .filter(
      (o) => o.kind === 'ConfigMap' && ['auth-config', 'api-config'].includes(o.metadata.name),
    );

  it.each(['auth-config', 'api-config'])(
    '%s: both services trust one proxy and get the same HSTS policy',
    (name) => {
      const data = configMaps.find((o) => o.metadata.name === name)?.data as Record<string, string>;
      expect(data, name).toBeDefined();
      const settings = loadConfig(z.object(serviceSettings), data);
      expect(settings.TRUST_PROXY_HOPS).toBe(1);
      // dev serves no TLS (never sent there): the services' defaults; prod writes its policy out
      expect(hstsSettings(settings)).toEqual({
        enabled: true,
        maxAgeSeconds: 31_536_000,
        includeSubdomains: false,
      });
      expect('HSTS_MAX_AGE_SECONDS' in data).toBe(env === 'prod');
    },
  );
});
