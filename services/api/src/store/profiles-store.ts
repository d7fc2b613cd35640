import type { Profile } from '../generated/prisma/client.js';
import type { ShardDatabase } from './shard-database.js';

export type { Profile } from '../generated/prisma/client.js';

/** Profiles of one shard, keyed by the auth user id. */
export class ProfilesStore {
  constructor(private readonly shard: ShardDatabase) {}

  find(userId: number, minLsn: bigint | null | 'primary'): Promise<Profile | null> {
    return this.shard.read('profile.find', minLsn, (db) =>
      db.profile.findUnique({ where: { userId } }),
    );
  }

  /**
   * Creates the profile, or updates it when `changes` differ; `created` tells which.
   * Runs on the primary in one statement, so concurrent first requests create one row.
   */
  async upsert(
    userId: number,
    email: string,
    changes: { name?: string | null },
  ): Promise<{ result: { profile: Profile; created: boolean }; lsn: bigint }> {
    return this.shard.write('profile.upsert', async (db) => {
      const rows = await db.$queryRaw<Array<{ created: boolean }>>`
        INSERT INTO "profiles" ("user_id", "email", "name", "updated_at")
        VALUES (${userId}, ${email}, ${changes.name ?? null}, CURRENT_TIMESTAMP)
        ON CONFLICT ("user_id") DO UPDATE SET
          "email" = EXCLUDED."email",
          "name" = CASE WHEN ${changes.name !== undefined} THEN EXCLUDED."name" ELSE "profiles"."name" END,
          "updated_at" = CASE
            WHEN "profiles"."email" IS DISTINCT FROM EXCLUDED."email"
              OR (${changes.name !== undefined} AND "profiles"."name" IS DISTINCT FROM EXCLUDED."name")
            THEN CURRENT_TIMESTAMP ELSE "profiles"."updated_at" END
        RETURNING (xmax = 0) AS created`;
      const profile = await db.profile.findUniqueOrThrow({ where: { userId } });
      return { profile, created: rows[0]?.created ?? false };
    });
  }
}
