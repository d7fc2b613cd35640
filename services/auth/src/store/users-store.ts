import { NOW_UTC, type PgServer, type SqlRunner, statement, utcColumn } from '@shardgate/shared';
import type { AuthDatabase } from './auth-database.js';

/** Roles as the database's `"Role"` enum holds them. */
export type Role = 'user' | 'admin';

/** An account. `email` is stored normalised (trimmed, NFC, lower case). */
export interface User {
  readonly id: number;
  readonly email: string;
  readonly name: string | null;
  readonly passwordHash: string;
  readonly role: Role;
  readonly active: boolean;
  /** When the account last proved it receives mail at `email`; null when it never did. */
  readonly emailVerifiedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The email is already registered (a unique violation, translated). */
export class EmailTakenError extends Error {
  override readonly name = 'EmailTakenError';
}

/** Postgres's unique_violation. */
const UNIQUE_VIOLATION = '23505';

/** The columns of a {@link User}, under its field names; `u` is the `users` table. */
export const USER_COLUMNS = `u.id, u.email, u.name, u.password_hash AS "passwordHash", u.role,
  u.active, ${utcColumn('u.email_verified_at', '"emailVerifiedAt"')},
  ${utcColumn('u.created_at', '"createdAt"')}, ${utcColumn('u.updated_at', '"updatedAt"')}`;

/** $1 email, $2 name, $3 password hash. */
const CREATE = statement(
  'user.create',
  `INSERT INTO users AS u (email, name, password_hash, created_at, updated_at)
   VALUES ($1, $2, $3, ${NOW_UTC}, ${NOW_UTC}) RETURNING ${USER_COLUMNS}`,
);
const FIND_BY_EMAIL = statement(
  'user.findByEmail',
  `SELECT ${USER_COLUMNS} FROM users u WHERE u.email = $1`,
);
const FIND_BY_ID = statement(
  'user.findById',
  `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`,
);
/**
 * $1 id, then each field with a flag saying whether to set it ($2/$3 name, $4/$5 password hash,
 * $6/$7 active, $8/$9 role): one statement whatever the caller changes, so it is prepared once.
 */
const UPDATE = statement(
  'user.update',
  `UPDATE users AS u SET
     name = CASE WHEN $2::boolean THEN $3::text ELSE u.name END,
     password_hash = CASE WHEN $4::boolean THEN $5::text ELSE u.password_hash END,
     active = CASE WHEN $6::boolean THEN $7::boolean ELSE u.active END,
     role = CASE WHEN $8::boolean THEN $9::"Role" ELSE u.role END,
     updated_at = ${NOW_UTC}
   WHERE u.id = $1 RETURNING ${USER_COLUMNS}`,
);

/**
 * $1 id, $2 the address the proof was sent to: the account's address is verified, if it is still
 * that one (a link sent to a former address proves nothing about the present one).
 */
const MARK_VERIFIED = statement(
  'user.markVerified',
  `UPDATE users AS u SET email_verified_at = ${NOW_UTC}, updated_at = ${NOW_UTC}
   WHERE u.id = $1 AND u.email = $2 RETURNING ${USER_COLUMNS}`,
);
/** $1 id, $2 the address the reset link was sent to, $3 the new password hash. */
const RESET_PASSWORD = statement(
  'user.resetPassword',
  `UPDATE users AS u SET password_hash = $3, email_verified_at = ${NOW_UTC}, updated_at = ${NOW_UTC}
   WHERE u.id = $1 AND u.email = $2 RETURNING ${USER_COLUMNS}`,
);

/** Accounts, on the auth database. Knows nothing of HTTP. */
export class UsersStore {
  constructor(private readonly db: AuthDatabase) {}

  /** @throws {@link EmailTakenError} when the (normalised) email exists. */
  async create(input: { email: string; name: string | null; passwordHash: string }): Promise<User> {
    try {
      const [user] = await this.db.onPrimary('user.create', (db) =>
        db.rows<User>(CREATE, [input.email, input.name, input.passwordHash]),
      );
      return user as User;
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION)
        throw new EmailTakenError(input.email);
      throw error;
    }
  }

  /** By normalised email, on the primary: a login right after registering must find the account. */
  async findByEmail(email: string): Promise<User | null> {
    const [user] = await this.db.onPrimary('user.findByEmail', (db) =>
      db.rows<User>(FIND_BY_EMAIL, [email]),
    );
    return user ?? null;
  }

  /** By id; `fresh` reads the primary, otherwise a replica may answer. */
  async findById(id: number, fresh: boolean): Promise<User | null> {
    const read = (db: PgServer) => db.rows<User>(FIND_BY_ID, [id]);
    const [user] = fresh
      ? await this.db.onPrimary('user.findById', read)
      : await this.db.readStale('user.findById', read);
    return user ?? null;
  }

  /** Updates fields; null when the user does not exist. */
  async update(
    id: number,
    data: { name?: string | null; passwordHash?: string; active?: boolean; role?: Role },
  ): Promise<User | null> {
    const [user] = await this.db.onPrimary('user.update', (db) =>
      db.rows<User>(UPDATE, [
        id,
        data.name !== undefined,
        data.name ?? null,
        data.passwordHash !== undefined,
        data.passwordHash ?? null,
        data.active !== undefined,
        data.active ?? null,
        data.role !== undefined,
        data.role ?? null,
      ]),
    );
    return user ?? null;
  }

  /**
   * Marks the account's address verified, in the caller's transaction; null when the account no
   * longer has that address (or no longer exists).
   */
  async markVerified(tx: SqlRunner, id: number, email: string): Promise<User | null> {
    const [user] = await tx.rows<User>(MARK_VERIFIED, [id, email]);
    return user ?? null;
  }

  /**
   * Sets a new password after a reset link sent to `email` was followed, which also proves the
   * address; in the caller's transaction. Null when the account no longer has that address.
   */
  async resetPassword(
    tx: SqlRunner,
    id: number,
    email: string,
    passwordHash: string,
  ): Promise<User | null> {
    const [user] = await tx.rows<User>(RESET_PASSWORD, [id, email, passwordHash]);
    return user ?? null;
  }
}
