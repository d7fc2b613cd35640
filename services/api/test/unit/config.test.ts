import { ConfigError } from '@shardgate/shared';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../src/config.js';

const base = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  AUTH_JWKS_URL: 'http://auth/.well-known/jwks.json',
  SHARD_0_PRIMARY_URL: 'postgresql://u:secret-pw@p0/orders',
  SHARD_0_REPLICA_URLS: 'postgresql://u:p@r0a/orders, postgresql://u:p@r0b/orders',
  SHARD_1_PRIMARY_URL: 'postgresql://u:p@p1/orders',
};

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadApiConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadApiConfig', () => {
  it("reads the default two-shard map and each shard's URLs", () => {
    const config = loadApiConfig(base);
    expect(config.shards.map((s) => [s.name, s.replicaUrls.length])).toEqual([
      ['shard0', 2],
      ['shard1', 0],
    ]);
    expect(config.shardMap.place(3).shard).toBe('shard1');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names a missing shard URL and a malformed shard map, never echoing a URL', () => {
    const missing = problemsOf({ ...base, SHARD_1_PRIMARY_URL: undefined });
    expect(missing).toEqual(['SHARD_1_PRIMARY_URL: required for shard1: a postgresql:// URL']);
    expect(problemsOf({ ...base, SHARD_MAP: '{not json' })).toEqual([
      'SHARD_MAP: must be valid JSON',
    ]);
    const hole = problemsOf({
      ...base,
      SHARD_MAP: JSON.stringify({ version: 2, buckets: 4, shards: { shard0: [[0, 2]] } }),
    });
    expect(hole).toEqual(['SHARD_MAP: bucket 3 is assigned to no shard']);
    const three = problemsOf({
      ...base,
      SHARD_MAP: JSON.stringify({
        version: 2,
        buckets: 3,
        shards: { shard0: [[0, 0]], shard1: [[1, 1]], shard2: [[2, 2]] },
      }),
    });
    expect(three).toEqual(['SHARD_2_PRIMARY_URL: required for shard2: a postgresql:// URL']);
    expect(
      problemsOf({ ...base, SHARD_0_PRIMARY_URL: 'mysql://u:secret-pw@x/y' }).join(),
    ).not.toContain('secret-pw');
  });
});
