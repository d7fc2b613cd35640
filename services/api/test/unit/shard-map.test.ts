import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/domain/order-cursor.js';
import { statusesLeadingTo, TRANSITIONS } from '../../src/domain/order-status.js';
import { DEFAULT_SHARD_MAP, ShardMap, ShardMapError } from '../../src/sharding/shard-map.js';
import { parseLsn } from '../../src/store/wal-position.js';

describe('ShardMap', () => {
  it('sends even ids to shard0 and odd ids to shard1 by default', () => {
    const map = new ShardMap(DEFAULT_SHARD_MAP);
    for (let id = 1; id <= 12; id++)
      expect(map.place(id).shard).toBe(id % 2 === 0 ? 'shard0' : 'shard1');
    expect(map.place(2_147_483_647)).toEqual({
      userId: 2_147_483_647,
      bucket: 1023,
      shard: 'shard1',
      mapVersion: 1,
    });
    expect(map.shardNames).toEqual(['shard0', 'shard1']);
  });

  it('moves only the reassigned buckets when a shard is added', () => {
    const before = new ShardMap(DEFAULT_SHARD_MAP);
    const after = new ShardMap({
      version: 2,
      buckets: 1024,
      shards: {
        shard0: Array.from({ length: 384 }, (_, i) => [2 * i, 2 * i] as [number, number]),
        shard1: Array.from({ length: 512 }, (_, i) => [2 * i + 1, 2 * i + 1] as [number, number]),
        shard2: Array.from(
          { length: 128 },
          (_, i) => [768 + 2 * i, 768 + 2 * i] as [number, number],
        ),
      },
    });
    let moved = 0;
    for (let id = 1; id <= 10_000; id++) {
      const [a, b] = [before.place(id), after.place(id)];
      if (a.shard !== b.shard) {
        moved++;
        expect(b.shard).toBe('shard2');
      }
    }
    expect(moved / 10_000).toBeCloseTo(0.125, 1);
    expect(after.place(5).mapVersion).toBe(2);
  });

  it('refuses maps that leave a bucket unowned or give one to two shards, naming it', () => {
    expect(() => new ShardMap({ version: 1, buckets: 4, shards: { shard0: [[0, 2]] } })).toThrow(
      /bucket 3 is assigned to no shard/,
    );
    expect(
      () => new ShardMap({ version: 1, buckets: 4, shards: { shard0: 'even', shard1: [[1, 2]] } }),
    ).toThrow(/bucket 2 is assigned to both shard0 and shard1/);
    expect(
      () => new ShardMap({ version: 1, buckets: 4, shards: { db: 'even', shard1: 'odd' } }),
    ).toThrow(ShardMapError);
    expect(
      () => new ShardMap({ version: 0, buckets: 4, shards: { shard0: 'even', shard1: 'odd' } }),
    ).toThrow(/version/);
  });
});

describe('small parts of the API', () => {
  it('compares WAL positions numerically', () => {
    expect(parseLsn('0/16B3748')).toBe(0x16b3748n);
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
    expect(() => parseLsn('nope')).toThrow();
  });

  it('round-trips cursors and refuses forged ones', () => {
    const cursor = {
      createdAt: new Date('2026-11-23T10:00:00.123Z'),
      id: '0b6c3c1e-8a41-4d4e-9b0a-2b1f3c4d5e6f',
    };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(() => decodeCursor('x')).toThrow(/cursor/);
    for (const t of [
      '0000-12-31T23:59:59.999Z',
      '-271821-04-20T00:00:00.000Z',
      '+275760-09-13T00:00:00.000Z',
    ]) {
      const forged = Buffer.from(JSON.stringify({ t, i: cursor.id })).toString('base64url');
      expect(() => decodeCursor(forged), t).toThrow(/cursor/);
    }
    expect(() =>
      decodeCursor(Buffer.from('{"t":"2026-01-01","i":"1 OR 1=1"}').toString('base64url')),
    ).toThrow(/cursor/);
  });

  it('allows cancellation from pending and paid only', () => {
    expect(statusesLeadingTo('cancelled').sort()).toEqual(['paid', 'pending']);
    expect(TRANSITIONS.delivered).toEqual([]);
  });
});
