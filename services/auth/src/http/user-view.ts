import type { User } from '../store/users-store.js';

/** The public JSON of an account: never the password hash. Ids are strings, as in tokens. */
export function userView(user: User) {
  return {
    id: String(user.id),
    email: user.email,
    name: user.name,
    role: user.role,
    active: user.active,
    emailVerified: user.emailVerifiedAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}
