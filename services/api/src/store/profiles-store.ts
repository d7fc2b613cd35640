import { NOW_UTC, statement, utcColumn } from '@shardgate/shared';
import type { ShardDatabase } from './shard-database.js';

/** A user's profile on their shard. */
export interface Profile {
  readonly userId: number;
  readonly email: string;
  readonly name: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

interface ProfileRow {
  readonly user_id: number;
  readonly email: string;
  readonly name: string | null;
  readonly created_at: Date;
  readonly updated_at: Date;
}

const COLUMNS = `user_id, email, name, ${utcColumn('created_at')}, ${utcColumn('updated_at')}`;

/** $1 user id. */
const FIND_PROFILE = statement(
  'profile.find',
  `SELECT ${COLUMNS} FROM profiles WHERE user_id = $1`,
);

/**
 * $1 user id, $2 email, $3 name, $4 whether the name is to be set. Creates the profile or updates
 * it, touching `updated_at` only when something changed; one statement, so concurrent first
 * requests create one row.
 */
const UPSERT_PROFILE = statement(
  'profile.upsert',
  `INSERT INTO profiles AS p (user_id, email, name, created_at, updated_at)
   VALUES ($1, $2, $3, ${NOW_UTC}, ${NOW_UTC})
   ON CONFLICT (user_id) DO UPDATE SET
     email = EXCLUDED.email,
     name = CASE WHEN $4::boolean THEN EXCLUDED.name ELSE p.name END,
     updated_at = CASE
       WHEN p.email IS DISTINCT FROM EXCLUDED.email
         OR ($4::boolean AND p.name IS DISTINCT FROM EXCLUDED.name)
       THEN EXCLUDED.updated_at ELSE p.updated_at END
   RETURNING ${COLUMNS}, (xmax = 0) AS created`,
);

const toProfile = (row: ProfileRow): Profile => ({
  userId: row.user_id,
  email: row.email,
  name: row.name,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Profiles of one shard, keyed by the auth user id. */
export class ProfilesStore {
  constructor(private readonly shard: ShardDatabase) {}

  async find(userId: number, minLsn: bigint | null | 'primary'): Promise<Profile | null> {
    const rows = await this.shard.read('profile.find', minLsn, (server) =>
      server.rows<ProfileRow>(FIND_PROFILE, [userId]),
    );
    return rows[0] ? toProfile(rows[0]) : null;
  }

  /** Creates the profile, or updates it when `changes` differ; `created` tells which. */
  async upsert(
    userId: number,
    email: string,
    changes: { name?: string | null },
  ): Promise<{ result: { profile: Profile; created: boolean }; lsn: bigint }> {
    return this.shard.write('profile.upsert', async (server) => {
      const [row] = await server.rows<ProfileRow & { created: boolean }>(UPSERT_PROFILE, [
        userId,
        email,
        changes.name ?? null,
        changes.name !== undefined,
      ]);
      if (!row) throw new Error('profile.upsert returned no row');
      return { profile: toProfile(row), created: row.created };
    });
  }
}
