/**
 * How the identity state is written in Redis, shared by every auth process (and by processes of
 * the previous version during a rollout): the keys of users and sessions, their values, the Lua
 * scripts that write them, and the change counter with its stream. `IdentityState` is the
 * one reader and writer.
 * @packageDocumentation
 */
import type { UserState } from './identity-state.js';

/** Prefix of the users' keys. */
export const USER_PREFIX = 'auth:user:';
/** Prefix of the sessions' keys. */
export const SESSION_PREFIX = 'auth:session:';
/** The Redis key of a user's state. */
export const userKey = (id: number) => `${USER_PREFIX}${id}`;
/** The Redis key of a session's state. */
export const sessionKey = (sid: string) => `${SESSION_PREFIX}${sid}`;
/**
 * A session's Redis value: `1` revoked, `0` live, `0:<n>` live with a minimum generation of n.
 * A process that predates generations reads anything but `1` as live, as it should.
 */
export const encodeSession = (minGeneration: number) =>
  minGeneration === Number.POSITIVE_INFINITY
    ? '1'
    : minGeneration === 0
      ? '0'
      : `0:${minGeneration}`;
/**
 * Writes a session's value only if it does not lower what Redis holds (revoked ranks highest), so
 * a retry's new minimum published late, or replayed after an outage, never undoes a revocation.
 * KEYS: the session's key; ARGV: the value, its TTL in seconds.
 */
export const RAISE_SESSION = `
local function rank(value)
  if not value then return -1 end
  if value == '1' then return math.huge end
  if value == '0' then return 0 end
  local n = string.match(value, '^0:(%d+)$')
  if n then return tonumber(n) end
  return -1
end
if rank(redis.call('GET', KEYS[1])) > rank(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;
/** The minimum generation a session's Redis value says; undefined when it is not one (read again). */
export function decodeSession(value: string): number | undefined {
  if (value === '1') return Number.POSITIVE_INFINITY;
  if (value === '0') return 0;
  const match = /^0:(\d{1,9})$/.exec(value);
  return match ? Number(match[1]) : undefined;
}
/** Incremented by every writer after it publishes a change; every process polls it. */
export const EPOCH_KEY = 'auth:state:epoch';
/** A Redis stream: one entry per change, with the counter value it took and the keys it changed. */
export const CHANGES_KEY = 'auth:state:changes';
/** Changes the stream keeps; a process further behind than this forgets everything. */
export const CHANGES_KEPT = 10_000;
/**
 * Moves the counter and records the change under the value it took, atomically, so that every
 * value up to the counter has its entry (unless trimmed). KEYS: counter, stream; ARGV: entries
 * kept, the changed keys (space-separated).
 */
export const RECORD_CHANGE = `
local n = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'n', n, 'keys', ARGV[2])
return n`;

/**
 * A user's state as Redis holds it; undefined when it is not one this version can use (written by
 * a version without `emailVerified`): then Postgres is read, as for a miss.
 */
export function decodeUser(value: string): UserState | null | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<UserState> | null;
    if (parsed === null) return null;
    return typeof parsed.emailVerified === 'boolean' ? (parsed as UserState) : undefined;
  } catch {
    return undefined;
  }
}
