import type { Redis } from '@shardgate/shared';
import { ExpiringCache } from '@shardgate/shared';
import type { SessionsStore } from '../store/sessions-store.js';
import type { User, UsersStore } from '../store/users-store.js';
import type { Role } from './access-tokens.js';
import {
  CHANGES_KEPT,
  CHANGES_KEY,
  decodeSession,
  decodeUser,
  EPOCH_KEY,
  encodeSession,
  RAISE_SESSION,
  RECORD_CHANGE,
  SESSION_PREFIX,
  sessionKey,
  USER_PREFIX,
  userKey,
} from './identity-state-redis.js';

/** What `/verify` needs to know of a user right now. */
export interface UserState {
  readonly email: string;
  readonly role: Role;
  readonly active: boolean;
  /** True once the account proved it receives mail at `email`. */
  readonly emailVerified: boolean;
}

/** The current state behind an access token. */
export interface IdentityLookup {
  /** Null when the user does not exist. */
  readonly user: UserState | null;
  /**
   * The oldest refresh-token generation whose access tokens the session accepts: Infinity when the
   * session is revoked, unknown, or not the user's.
   */
  readonly sessionMinGeneration: number;
}

/** Where a lookup was answered from; the service's metrics count them. */
export type StateCacheObserver = (
  cache: 'local' | 'redis',
  result: 'hit' | 'miss' | 'error',
) => void;

/** Settings of {@link IdentityState}. */
export interface IdentityStateOptions {
  /** How long this process keeps an answer while it follows Redis's change counter. */
  readonly localTtlMs: number;
  /** How long it keeps one while it cannot (Redis unreachable): the bound on revocation delay then. */
  readonly fallbackTtlMs: number;
  /** How often the change counter is read: with a Redis round trip, the bound on revocation delay. */
  readonly syncIntervalMs: number;
  /** Users, and separately sessions, remembered per process (an entry each). */
  readonly cacheSize: number;
  readonly redisTtlSeconds: number;
  readonly now?: () => number;
  readonly observe?: StateCacheObserver;
}

/**
 * The revocation state of users and sessions, read on every `/verify`: from this process's memory,
 * else from Redis, else from the primary (then written back to Redis).
 *
 * Writers (logout, deactivation, role change) call {@link IdentityState.publishUser} /
 * {@link IdentityState.publishRevokedSessions} after committing: they overwrite the Redis entries,
 * increment one change counter and record which keys the change touched (a Redis stream). Every
 * process reads the counter every `syncIntervalMs` (200 ms); when it moved, the process reads the
 * changes since its last value and forgets just those users and sessions, or everything when it
 * cannot account for every change (fallen too far behind, stream lost). So remembered answers can
 * live long (`localTtlMs`), a hot `/verify` rarely leaves the process however many other users log
 * out, and a revocation reaches every process within one interval and two round trips. When the counter cannot be read (Redis down or
 * hanging), the process forgets everything and remembers answers only for `fallbackTtlMs`
 * (250 ms), reading Postgres meanwhile. Readers fill Redis only where it is empty (`SET NX`), so a
 * reader that read Postgres before a commit cannot put the old state back; a lookup that was in
 * flight when the counter moved is not remembered. Writes that could not reach Redis are replayed
 * when it returns.
 */
export class IdentityState {
  /** By user id: the user's state, null for no such user. */
  readonly #users: ExpiringCache<UserState | null, number>;
  /** By session id: its minimum generation, Infinity when revoked (or unknown, or not the user's). */
  readonly #sessions: ExpiringCache<number>;
  readonly #now: () => number;
  readonly #observe: StateCacheObserver;
  /** Redis writes that failed, replayed on reconnect: key → value. */
  readonly #pending = new Map<string, string>();
  /** The change counter last read; `undefined` while it cannot be read. */
  #epoch: string | null | undefined = undefined;
  /** Bumped whenever anything is forgotten; a lookup begun before is not remembered. */
  #generation = 0;
  #polling = false;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly users: UsersStore,
    private readonly sessions: SessionsStore,
    private readonly options: IdentityStateOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.#observe = options.observe ?? (() => {});
    this.#users = new ExpiringCache(options.cacheSize, this.#now);
    this.#sessions = new ExpiringCache(options.cacheSize, this.#now);
    redis.on('ready', () => void this.#flushPending());
    this.#timer = setInterval(() => void this.#sync(), options.syncIntervalMs);
    this.#timer.unref();
    void this.#sync();
  }

  /** Stops following the change counter. */
  close(): void {
    clearInterval(this.#timer);
  }

  /**
   * The current state of a user and one of their sessions when this process holds both (a local
   * hit), else undefined, without a promise: the first step of {@link lookup}, which `/verify`'s
   * hot path takes on its own.
   */
  cached(userId: number, sessionId: string): IdentityLookup | undefined {
    const user = this.#users.get(userId);
    // the session id is the string the cached token's claims hold: an entry adds no key of its own
    const minGeneration = this.#sessions.get(sessionId);
    if (user === undefined || minGeneration === undefined) return undefined;
    this.#observe('local', 'hit');
    return { user, sessionMinGeneration: minGeneration };
  }

  /** The current state of a user and one of their sessions. */
  async lookup(userId: number, sessionId: string): Promise<IdentityLookup> {
    const hit = this.cached(userId, sessionId);
    if (hit) return hit;
    this.#observe('local', 'miss');
    // either may still be here: only the other is fetched
    let user = this.#users.get(userId);
    let minGeneration = this.#sessions.get(sessionId);
    const generation = this.#generation;
    const uKey = userKey(userId);
    const sKey = sessionKey(sessionId);
    const fromRedis = await this.#readRedis(uKey, sKey);
    user ??= fromRedis.user;
    minGeneration ??= fromRedis.minGeneration;
    const fills: Array<[string, string]> = [];
    if (user === undefined) {
      user = toState(await this.users.findById(userId, true));
      fills.push([uKey, JSON.stringify(user)]);
    }
    if (minGeneration === undefined) {
      const session = await this.sessions.state(sessionId);
      minGeneration =
        session === null || session.revokedAt !== null || session.userId !== userId
          ? Number.POSITIVE_INFINITY
          : session.minGeneration;
      fills.push([sKey, encodeSession(minGeneration)]);
    }
    if (fills.length > 0) void this.#fillRedis(fills);
    if (generation === this.#generation) {
      const ttl = this.#epoch === undefined ? this.options.fallbackTtlMs : this.options.localTtlMs;
      const until = this.#now() + ttl;
      this.#users.set(userId, user, until);
      this.#sessions.set(sessionId, minGeneration, until);
    }
    return { user, sessionMinGeneration: minGeneration };
  }

  /** Publishes a user's new state (after the commit) to every process. */
  async publishUser(userId: number, user: User): Promise<void> {
    this.#users.delete(userId);
    await this.#overwrite([[userKey(userId), JSON.stringify(toState(user))]]);
  }

  /** Publishes revoked sessions (after the commit) to every process. */
  async publishRevokedSessions(sessionIds: readonly string[]): Promise<void> {
    for (const sid of sessionIds) this.#sessions.delete(sid);
    await this.#overwrite(sessionIds.map((sid) => [sessionKey(sid), '1']));
  }

  /**
   * Publishes (after the commit) that a session accepts no access token older than `generation`.
   * Never lowers what Redis holds: a session revoked meanwhile stays revoked.
   */
  async publishSessionMinGeneration(sessionId: string, generation: number): Promise<void> {
    this.#sessions.delete(sessionId);
    await this.#overwrite([[sessionKey(sessionId), encodeSession(generation)]]);
  }

  async #readRedis(
    uKey: string,
    sKey: string,
  ): Promise<{ user?: UserState | null; minGeneration?: number }> {
    try {
      const [u, s] = await this.redis.mget(uKey, sKey);
      const user = u == null ? undefined : decodeUser(u);
      const minGeneration = s == null ? undefined : decodeSession(s);
      this.#observe('redis', user !== undefined && minGeneration !== undefined ? 'hit' : 'miss');
      return {
        ...(user !== undefined ? { user } : {}),
        ...(minGeneration !== undefined ? { minGeneration } : {}),
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
      for (const [key, value] of entries) {
        if (key.startsWith(SESSION_PREFIX))
          pipeline.eval(RAISE_SESSION, 1, key, value, String(this.options.redisTtlSeconds));
        else pipeline.set(key, value, 'EX', this.options.redisTtlSeconds);
      }
      // after the new values, so a process that sees the counter move reads them
      pipeline.eval(
        RECORD_CHANGE,
        2,
        EPOCH_KEY,
        CHANGES_KEY,
        String(CHANGES_KEPT),
        entries.map(([key]) => key).join(' '),
      );
      const results = await pipeline.exec();
      if (results?.some(([error]) => error)) throw new Error('redis write failed');
      for (const [key] of entries) this.#pending.delete(key);
    } catch {
      for (const [key, value] of entries) {
        // a session's queued value only rises, as in Redis: a minimum queued after a revocation
        // must not replace it
        const queued = this.#pending.get(key);
        const lower =
          key.startsWith(SESSION_PREFIX) &&
          queued !== undefined &&
          (decodeSession(queued) ?? -1) > (decodeSession(value) ?? -1);
        if (!lower) this.#pending.set(key, value);
      }
    }
  }

  /**
   * Reads the change counter; when it moved, forgets what changed since (everything when that
   * cannot be told); when it cannot be read, forgets everything.
   */
  async #sync(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const epoch = await this.redis.get(EPOCH_KEY);
      if (epoch !== this.#epoch) {
        // no counter yet (a fresh Redis) counts as 0; a counter that vanished (Redis flushed or
        // restarted empty) or was never read tells nothing of what changed
        const changed =
          this.#epoch !== undefined && epoch !== null
            ? await this.#changedKeys(Number(this.#epoch ?? 0), Number(epoch))
            : null;
        if (changed === null) this.#forgetAll();
        else this.#forget(changed);
      }
      this.#epoch = epoch;
    } catch {
      if (this.#epoch !== undefined) this.#forgetAll();
      this.#epoch = undefined;
    } finally {
      this.#polling = false;
    }
  }

  /**
   * The keys changed by counter values `from + 1` to `to`, from the changes stream; null when one
   * of them has no entry there (trimmed, or the stream was lost).
   */
  async #changedKeys(from: number, to: number): Promise<string[] | null> {
    const missing = to - from;
    if (!Number.isSafeInteger(missing) || missing <= 0 || missing > CHANGES_KEPT) return null;
    // newest first; changes made since the counter was read come first and are left for the next
    // poll, hence the margin
    const entries = await this.redis.xrevrange(CHANGES_KEY, '+', '-', 'COUNT', missing + 100);
    const keys: string[] = [];
    const seen = new Set<number>();
    for (const [, fields] of entries) {
      const n = Number(fields[fields.indexOf('n') + 1]);
      if (n <= from || n > to) continue;
      seen.add(n);
      // one change may name many keys (all sessions of a user): no spread into push
      for (const key of (fields[fields.indexOf('keys') + 1] ?? '').split(' ')) keys.push(key);
    }
    return seen.size === missing ? keys : null;
  }

  /** Forgets the users and sessions behind these Redis keys; lookups in flight are not kept. */
  #forget(keys: readonly string[]): void {
    for (const key of keys) {
      if (key.startsWith(USER_PREFIX)) this.#users.delete(Number(key.slice(USER_PREFIX.length)));
      else if (key.startsWith(SESSION_PREFIX))
        this.#sessions.delete(key.slice(SESSION_PREFIX.length));
    }
    this.#generation++;
  }

  #forgetAll(): void {
    this.#users.clear();
    this.#sessions.clear();
    this.#generation++;
  }

  async #flushPending(): Promise<void> {
    if (this.#pending.size > 0) await this.#overwrite([...this.#pending]);
  }
}

function toState(user: User | null): UserState | null {
  return user
    ? {
        email: user.email,
        role: user.role,
        active: user.active,
        emailVerified: user.emailVerifiedAt !== null,
      }
    : null;
}
