import type { Redis } from '@shardgate/shared';
import { ExpiringCache } from '@shardgate/shared';
import type { SessionsStore } from '../store/sessions-store.js';
import type { User, UsersStore } from '../store/users-store.js';
import type { Role } from './access-tokens.js';

/** What `/verify` needs to know of a user right now. */
export interface UserState {
  readonly email: string;
  readonly role: Role;
  readonly active: boolean;
}

/** The current state behind an access token. */
export interface IdentityLookup {
  /** Null when the user does not exist. */
  readonly user: UserState | null;
  /** True when the session is revoked, unknown, or not the user's. */
  readonly sessionRevoked: boolean;
}

/** Where a lookup was answered from; the service's metrics count them. */
export type StateCacheObserver = (
  cache: 'local' | 'redis',
  result: 'hit' | 'miss' | 'error',
) => void;

/** Settings of {@link IdentityState}. */
export interface IdentityStateOptions {
  /** How long this process reuses an answer without asking Redis: the bound on revocation delay. */
  readonly localTtlMs: number;
  readonly redisTtlSeconds: number;
  readonly now?: () => number;
  readonly observe?: StateCacheObserver;
}

const userKey = (id: number) => `auth:user:${id}`;
const sessionKey = (sid: string) => `auth:session:${sid}`;

/**
 * The revocation state of users and sessions, read on every `/verify`: from this process's memory
 * (for `localTtlMs`), else from Redis, else from the primary (then written back to Redis).
 *
 * Writers (logout, deactivation, role change) call {@link IdentityState.publishUser} /
 * {@link IdentityState.publishRevokedSessions} after committing: they overwrite the Redis entry,
 * while readers only fill absent entries (`SET NX`), so a reader that read Postgres before the
 * commit can never put the old state back. Every process sees the change within `localTtlMs`.
 * When Redis is down, answers come from Postgres; writes that could not reach Redis are retried
 * when it returns.
 */
export class IdentityState {
  readonly #local: ExpiringCache<UserState | boolean | null>;
  readonly #now: () => number;
  readonly #observe: StateCacheObserver;
  /** Redis writes that failed, replayed on reconnect: key → value (null = delete). */
  readonly #pending = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly users: UsersStore,
    private readonly sessions: SessionsStore,
    private readonly options: IdentityStateOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.#observe = options.observe ?? (() => {});
    this.#local = new ExpiringCache(100_000, this.#now);
    redis.on('ready', () => void this.#flushPending());
  }

  /** The current state of a user and one of their sessions. */
  async lookup(userId: number, sessionId: string): Promise<IdentityLookup> {
    const uKey = userKey(userId);
    const sKey = sessionKey(sessionId);
    let user = this.#local.get(uKey) as UserState | null | undefined;
    let revoked = this.#local.get(sKey) as boolean | undefined;
    if (user !== undefined && revoked !== undefined) {
      this.#observe('local', 'hit');
      return { user, sessionRevoked: revoked };
    }
    this.#observe('local', 'miss');

    const fromRedis = await this.#readRedis(uKey, sKey);
    user ??= fromRedis.user;
    revoked ??= fromRedis.revoked;
    const fills: Array<[string, string]> = [];
    if (user === undefined) {
      user = toState(await this.users.findById(userId, true));
      fills.push([uKey, JSON.stringify(user)]);
    }
    if (revoked === undefined) {
      const session = await this.sessions.state(sessionId);
      revoked = session === null || session.revokedAt !== null || session.userId !== userId;
      fills.push([sKey, revoked ? '1' : '0']);
    }
    if (fills.length > 0) void this.#fillRedis(fills);
    const until = this.#now() + this.options.localTtlMs;
    this.#local.set(uKey, user, until);
    this.#local.set(sKey, revoked, until);
    return { user, sessionRevoked: revoked };
  }

  /** Publishes a user's new state (after the commit) to every process. */
  async publishUser(userId: number, user: User): Promise<void> {
    this.#local.delete(userKey(userId));
    await this.#overwrite([[userKey(userId), JSON.stringify(toState(user))]]);
  }

  /** Publishes revoked sessions (after the commit) to every process. */
  async publishRevokedSessions(sessionIds: readonly string[]): Promise<void> {
    for (const sid of sessionIds) this.#local.delete(sessionKey(sid));
    await this.#overwrite(sessionIds.map((sid) => [sessionKey(sid), '1']));
  }

  async #readRedis(
    uKey: string,
    sKey: string,
  ): Promise<{ user?: UserState | null; revoked?: boolean }> {
    try {
      const [u, s] = await this.redis.mget(uKey, sKey);
      this.#observe('redis', u != null && s != null ? 'hit' : 'miss');
      return {
        ...(u != null ? { user: JSON.parse(u) as UserState | null } : {}),
        ...(s != null ? { revoked: s === '1' } : {}),
      };
    } catch {
      this.#observe('redis', 'error');
      return {};
    }
  }

  async #fillRedis(entries: Array<[string, string]>): Promise<void> {
    try {
      const pipeline = this.redis.pipeline();
      for (const [key, value] of entries)
        pipeline.set(key, value, 'EX', this.options.redisTtlSeconds, 'NX');
      await pipeline.exec();
    } catch {
      // a cache fill is optional: the next lookup reads Postgres again
    }
  }

  async #overwrite(entries: Array<[string, string]>): Promise<void> {
    try {
      const pipeline = this.redis.pipeline();
      for (const [key, value] of entries)
        pipeline.set(key, value, 'EX', this.options.redisTtlSeconds);
      const results = await pipeline.exec();
      if (results?.some(([error]) => error)) throw new Error('redis write failed');
      for (const [key] of entries) this.#pending.delete(key);
    } catch {
      for (const [key, value] of entries) this.#pending.set(key, value);
    }
  }

  async #flushPending(): Promise<void> {
    if (this.#pending.size > 0) await this.#overwrite([...this.#pending]);
  }
}

function toState(user: User | null): UserState | null {
  return user ? { email: user.email, role: user.role, active: user.active } : null;
}
