#!/usr/bin/env node
/**
 * `set-role <email> <user|admin>`: gives an account a role, e.g. to make the first administrator.
 * Reads the service's own environment (DATABASE_URL, REDIS_URL, ...) and publishes the change
 * like the admin API does, so every auth process applies it within a second.
 */
import { ConfigError, createLogger, createRedis } from '@shardgate/shared';
import { loadAuthConfig } from '../config.js';
import { normalizeEmail } from '../domain/email.js';
import { IdentityState } from '../domain/identity-state.js';
import { AuthDatabase } from '../store/auth-database.js';
import { SessionsStore } from '../store/sessions-store.js';
import { UsersStore } from '../store/users-store.js';

async function main(argv: string[]): Promise<number> {
  const [email, role] = argv;
  if (!email || (role !== 'user' && role !== 'admin') || argv.length !== 2) {
    console.error('usage: set-role <email> <user|admin>');
    return 2;
  }
  const config = loadAuthConfig(process.env);
  const logger = createLogger({ service: 'auth-cli', level: 'warn' });
  const db = new AuthDatabase(config.DATABASE_URL, [], 1);
  const redis = createRedis(config.REDIS_URL, logger);
  try {
    const users = new UsersStore(db);
    const state = new IdentityState(redis, users, new SessionsStore(db), {
      localTtlMs: 0,
      cacheSize: 0,
      fallbackTtlMs: 0,
      syncIntervalMs: 500,
      redisTtlSeconds: config.REDIS_STATE_TTL_SECONDS,
    });
    const user = await users.findByEmail(normalizeEmail(email));
    if (!user) {
      console.error(`no account with email ${normalizeEmail(email)}`);
      return 1;
    }
    const updated = await users.update(user.id, { role });
    if (updated) await state.publishUser(user.id, updated);
    state.close();
    console.log(`user ${user.id} (${user.email}) now has role ${role}`);
    return 0;
  } finally {
    await db.close();
    redis.disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof ConfigError ? error.message : `set-role failed: ${(error as Error).message}`,
    );
    process.exit(1);
  },
);
