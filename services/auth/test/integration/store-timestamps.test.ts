import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { AuthDatabase } from '../../src/store/auth-database.js';
import { MfaChallengesStore } from '../../src/store/mfa-challenges-store.js';
import { SessionsStore } from '../../src/store/sessions-store.js';
import { UsersStore } from '../../src/store/users-store.js';

/**
 * Timestamps are stored as UTC instants in `timestamp(3)` columns, whatever time zone a database
 * session runs in: stores whose sessions run fourteen hours ahead of UTC write the instants that
 * stores in UTC read back, and the other way round. An instant sent as a parameter (a refresh
 * token's expiry, a revocation time) must land as the same instant too.
 */

const primary = inject('stack').pg.auth.primary;
const aheadUrl = `${primary}${primary.includes('?') ? '&' : '?'}options=-c%20TimeZone%3DPacific%2FKiritimati`;
const utcDb = new AuthDatabase(primary, [], 2);
const aheadDb = new AuthDatabase(aheadUrl, [], 2);
afterAll(() => Promise.all([utcDb.close(), aheadDb.close()]));

const stores = (db: AuthDatabase) => ({
  users: new UsersStore(db),
  sessions: new SessionsStore(db),
  challenges: new MfaChallengesStore(db),
});
const utc = stores(utcDb);
const ahead = stores(aheadDb);
const nearNow = (date: Date) => Math.abs(date.getTime() - Date.now());
const email = () => `tz-${randomBytes(6).toString('hex')}@example.com`;
const tokenHash = () => randomBytes(32).toString('base64url');

describe('auth store timestamps across session time zones', () => {
  it('a user written at UTC+14 carries the present instant, read alike from UTC', async () => {
    const created = await ahead.users.create({ email: email(), name: null, passwordHash: 'x' });
    expect(nearNow(created.createdAt)).toBeLessThan(10_000);
    expect(await utc.users.findById(created.id, true)).toEqual(created);
    const updated = await utc.users.update(created.id, { role: 'admin', name: 'Kiri' });
    expect(updated).toMatchObject({ role: 'admin', name: 'Kiri', email: created.email });
    expect(nearNow(updated?.updatedAt ?? new Date(0))).toBeLessThan(10_000);
    expect(await ahead.users.findByEmail(created.email)).toEqual(updated);
  });

  it('expiry, spending and revocation keep their instants from either side', async () => {
    const user = await utc.users.create({ email: email(), name: null, passwordHash: 'x' });
    const expiresAt = new Date(Date.now() + 3_600_000);
    const firstHash = tokenHash();
    const sessionId = await ahead.sessions.create(user.id, firstHash, expiresAt);
    const found = await utc.sessions.findToken(firstHash);
    expect(found).toMatchObject({ sessionId, expiresAt, spentAt: null });
    expect(found?.session).toEqual({ userId: user.id, revokedAt: null, amr: ['pwd'], user });

    const spentAt = new Date(Date.now() - 1_234);
    const next = { tokenHash: tokenHash(), expiresAt };
    expect(await ahead.sessions.rotate(found?.id ?? '', spentAt, next)).toBe(1);
    expect(await utc.sessions.rotate(found?.id ?? '', new Date(), next)).toBeNull();
    expect((await utc.sessions.findToken(firstHash))?.spentAt).toEqual(spentAt);
    // the spend's instant decides the retry's grace alike from either side
    const retry = () => ({ tokenHash: tokenHash(), expiresAt });
    const after = new Date(spentAt.getTime() + 1);
    expect(
      await utc.sessions.retryRotation(found?.id ?? '', after, new Date(), retry()),
    ).toBeNull();
    expect(await ahead.sessions.retryRotation(found?.id ?? '', spentAt, new Date(), retry())).toBe(
      2,
    );
    expect(await utc.sessions.state(sessionId)).toEqual({
      userId: user.id,
      revokedAt: null,
      minGeneration: 2,
    });

    const revokedAt = new Date(Date.now() - 567);
    expect(await ahead.sessions.revoke(sessionId, 'test', revokedAt)).toBe(true);
    expect(await utc.sessions.state(sessionId)).toEqual({
      userId: user.id,
      revokedAt,
      minGeneration: 2,
    });
  });

  it('revokes all of a user’s active sessions but the one spared, in one statement', async () => {
    const user = await utc.users.create({ email: email(), name: null, passwordHash: 'x' });
    const later = new Date(Date.now() + 3_600_000);
    const ids = await Promise.all(
      [1, 2, 3].map(() => utc.sessions.create(user.id, tokenHash(), later)),
    );
    const [kept, ...others] = ids as [string, ...string[]];
    const at = new Date();
    const revoked = await ahead.sessions.revokeAllOfUser(user.id, 'logout_all', at, kept);
    expect(revoked.sort()).toEqual([...others].sort());
    expect(await utc.sessions.state(kept)).toEqual({
      userId: user.id,
      revokedAt: null,
      minGeneration: 0,
    });
    for (const id of others)
      expect(await utc.sessions.state(id)).toEqual({
        userId: user.id,
        revokedAt: at,
        minGeneration: 0,
      });
    expect(await utc.sessions.revokeAllOfUser(user.id, 'logout_all', at)).toEqual([kept]);
  });

  it('an MFA challenge expires at its instant, written and read from either side', async () => {
    const user = await utc.users.create({ email: email(), name: null, passwordHash: 'x' });
    const live = tokenHash();
    const now = new Date();
    await ahead.challenges.create(live, user.id, now, new Date(now.getTime() + 60_000));
    expect((await utc.challenges.findLive(live, new Date(), 5))?.id).toBe(user.id);
    expect(await utc.challenges.findLive(live, new Date(now.getTime() + 61_000), 5)).toBeNull();
    const expired = tokenHash();
    await utc.challenges.create(expired, user.id, now, new Date(now.getTime() - 1_000));
    expect(await ahead.challenges.findLive(expired, new Date(), 5)).toBeNull();
    expect(await ahead.challenges.claimAttempt(expired, new Date(), 5)).toBe(false);
    expect(await ahead.challenges.claimAttempt(live, new Date(), 5)).toBe(true);
  });
});
