import type { Redis } from '@shardgate/shared';
import type { Profile } from '../store/profiles-store.js';
import type { ReadYourWrites } from './read-your-writes.js';
import type { ShardStores } from './shards.js';

/** The caller, as the API knows them from a verified token. */
export interface Caller {
  readonly userId: number;
  readonly email: string;
  readonly role: string;
  readonly sessionId: string;
}

/** Receives profile cache outcomes; the service's metrics implement it. */
export type ProfileCacheObserver = (result: 'hit' | 'miss' | 'error') => void;

/** A profile as cached and as answered. */
export interface ProfileView {
  readonly userId: string;
  readonly email: string;
  readonly name: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const cacheKey = (userId: number) => `api:profile:${userId}`;

/**
 * Profiles: created on first use, cached in Redis (cache-aside). Readers fill the cache only where
 * it is empty (`SET NX`) and writers overwrite it after their commit, so a reader that read the
 * database just before a write cannot put the old profile back. Without Redis, answers come from
 * Postgres. Each profile is read and written on the caller's shard, placed by `identify` and
 * passed in as `shard`.
 */
export class Profiles {
  constructor(
    private readonly redis: Redis,
    private readonly ryw: ReadYourWrites,
    private readonly ttlSeconds: number,
    private readonly observe: ProfileCacheObserver = () => {},
  ) {}

  /** The caller's profile, created from their token's email on first use. */
  async mine(caller: Caller, shard: ShardStores): Promise<ProfileView> {
    const cached = await this.#cached(caller.userId);
    if (cached && cached.email === caller.email) return cached;
    const { profiles } = shard;
    const stored = await profiles.find(caller.userId, await this.ryw.minimumFor(caller.userId));
    if (stored && stored.email === caller.email) {
      const view = toView(stored);
      await this.#fill(caller.userId, view);
      return view;
    }
    return (await this.save(caller, shard, {})).profile;
  }

  /** Creates or updates the caller's profile; `created` is true when it did not exist. */
  async save(
    caller: Caller,
    shard: ShardStores,
    changes: { name?: string | null },
  ): Promise<{ profile: ProfileView; created: boolean }> {
    const { profiles } = shard;
    const { result, lsn } = await profiles.upsert(caller.userId, caller.email, changes);
    await this.ryw.recordWrite(caller.userId, lsn);
    const profile = toView(result.profile);
    await this.#overwrite(caller.userId, profile);
    return { profile, created: result.created };
  }

  /** Forgets a cached profile (an order created the profile row behind the cache's back). */
  async forget(userId: number): Promise<void> {
    await this.redis.del(cacheKey(userId)).catch(() => undefined);
  }

  async #cached(userId: number): Promise<ProfileView | null> {
    try {
      const raw = await this.redis.get(cacheKey(userId));
      this.observe(raw === null ? 'miss' : 'hit');
      return raw === null ? null : (JSON.parse(raw) as ProfileView);
    } catch {
      this.observe('error');
      return null;
    }
  }

  async #fill(userId: number, view: ProfileView): Promise<void> {
    await this.redis
      .set(cacheKey(userId), JSON.stringify(view), 'EX', this.ttlSeconds, 'NX')
      .catch(() => undefined);
  }

  async #overwrite(userId: number, view: ProfileView): Promise<void> {
    await this.redis
      .set(cacheKey(userId), JSON.stringify(view), 'EX', this.ttlSeconds)
      .catch(() => undefined);
  }
}

function toView(profile: Profile): ProfileView {
  return {
    userId: String(profile.userId),
    email: profile.email,
    name: profile.name,
    createdAt: profile.createdAt.toISOString(),
    updatedAt: profile.updatedAt.toISOString(),
  };
}
