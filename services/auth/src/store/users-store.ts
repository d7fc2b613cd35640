import type { Role, User } from '../generated/prisma/client.js';
import { Prisma } from '../generated/prisma/client.js';
import type { AuthDatabase } from './auth-database.js';

export type { User } from '../generated/prisma/client.js';

/** The email is already registered (a unique violation, translated). */
export class EmailTakenError extends Error {
  override readonly name = 'EmailTakenError';
}

const isUniqueViolation = (error: unknown) =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

/** Accounts, on the auth database. Knows nothing of HTTP. */
export class UsersStore {
  constructor(private readonly db: AuthDatabase) {}

  /** @throws {@link EmailTakenError} when the (normalised) email exists. */
  async create(input: { email: string; name: string | null; passwordHash: string }): Promise<User> {
    try {
      return await this.db.onPrimary('user.create', (db) => db.user.create({ data: input }));
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError(input.email);
      throw error;
    }
  }

  /** By normalised email, on the primary: a login right after registering must find the account. */
  findByEmail(email: string): Promise<User | null> {
    return this.db.onPrimary('user.findByEmail', (db) => db.user.findUnique({ where: { email } }));
  }

  /** By id; `fresh` reads the primary, otherwise a replica may answer. */
  findById(id: number, fresh: boolean): Promise<User | null> {
    const read = (db: AuthDatabase['primary']) => db.user.findUnique({ where: { id } });
    return fresh
      ? this.db.onPrimary('user.findById', read)
      : this.db.readStale('user.findById', read);
  }

  /** Updates fields; null when the user does not exist. */
  async update(
    id: number,
    data: { name?: string | null; passwordHash?: string; active?: boolean; role?: Role },
  ): Promise<User | null> {
    const result = await this.db.onPrimary('user.update', (db) =>
      db.user.updateMany({ where: { id }, data }),
    );
    if (result.count === 0) return null;
    return this.findById(id, true);
  }
}
