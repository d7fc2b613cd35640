import type { Redis } from '@shardgate/shared';
import { ExpiringCache } from '@shardgate/shared';

/**
 * Remembers, per user, the primary's WAL position after their last write, for a window (30 s by
 * default), in this process and in Redis so that every API process knows it. A read of that user
 * then goes to a replica only once the replica has replayed that position: the user always sees
 * their own writes, even while a replica lags, and everyone else keeps reading from replicas.
 *
 * Why WAL positions rather than pinning to the primary for a while: the replica is used as soon as
 * it has caught up (usually milliseconds), and a lagging replica is never trusted merely because a
 * fixed delay passed.
 */
export class ReadYourWrites {
  readonly #local: ExpiringCache<bigint>;

  constructor(
    private readonly redis: Redis,
    private readonly windowSeconds: number,
    now: () => number = Date.now,
  ) {
    this.#local = new ExpiringCache(100_000, now);
  }

  /** Records a user's write at WAL position `lsn`. */
  async recordWrite(userId: number, lsn: bigint): Promise<void> {
    const previous = this.#local.get(key(userId));
    if (previous === undefined || lsn > previous)
      this.#local.setFor(key(userId), lsn, this.windowSeconds * 1000);
    try {
      // keep the highest position when two processes record at once
      await this.redis.eval(RECORD_MAX, 1, key(userId), lsn.toString(), String(this.windowSeconds));
    } catch {
      // other processes cannot learn of this write: minimumFor() reads the primary while Redis is down
    }
  }

  /**
   * The WAL position a read for this user must see: null when the user wrote nothing recently,
   * `'primary'` when that cannot be known (Redis down), so the read must go to the primary.
   */
  async minimumFor(userId: number): Promise<bigint | null | 'primary'> {
    const local = this.#local.get(key(userId));
    try {
      const remote = await this.redis.get(key(userId));
      const fromRedis = remote === null ? null : BigInt(remote);
      if (local === undefined) return fromRedis;
      return fromRedis !== null && fromRedis > local ? fromRedis : local;
    } catch {
      return 'primary';
    }
  }
}

const key = (userId: number) => `api:ryw:${userId}`;

/** SET key to max(current, value) with a TTL, atomically. */
const RECORD_MAX = `
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) and tonumber(current) >= tonumber(ARGV[1]) then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;
