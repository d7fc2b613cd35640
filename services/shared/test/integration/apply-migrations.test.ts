import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import {
  applyMigrations,
  applyMigrationsEverywhere,
  MigrationError,
} from '../../src/migrate/index.js';
import { createScratchDatabase, query, writeMigrations } from './scratch-database.js';

const stack = inject('stack');

const INIT = `CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
`;
const ORDERS = `CREATE TABLE "Order" ("id" SERIAL PRIMARY KEY, "userId" INTEGER NOT NULL REFERENCES "User"("id"));
`;

interface HistoryRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

const history = (url: string) =>
  query<HistoryRow>(url, 'SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name');
const tables = async (url: string) =>
  (
    await query<{ table_name: string }>(
      url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    )
  ).map((r) => r.table_name);

async function refusal(promise: Promise<unknown>): Promise<MigrationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigrationError);
  return error as MigrationError;
}

describe('applyMigrations against real Postgres', () => {
  let databaseUrl: string;
  beforeEach(async () => {
    databaseUrl = await createScratchDatabase(stack.pg.auth.primary);
  });

  it('applies a fresh database and records history exactly as Prisma does', async () => {
    const migrationsDir = writeMigrations({
      '20260101000000_init': INIT,
      '20260102000000_orders': ORDERS,
    });

    const report = await applyMigrations({ databaseUrl, migrationsDir });

    expect(report.applied).toEqual(['20260101000000_init', '20260102000000_orders']);
    expect(report.alreadyApplied).toEqual([]);
    expect(report.database).not.toContain(new URL(databaseUrl).password);
    expect(await tables(databaseUrl)).toEqual(['Order', 'User', '_prisma_migrations']);
    const rows = await history(databaseUrl);
    expect(rows.map((r) => r.migration_name)).toEqual(report.applied);
    for (const row of rows) {
      const file = readFileSync(join(migrationsDir, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(file).digest('hex'));
      expect(row.id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("creates _prisma_migrations with the columns and types of Prisma's schema engine", async () => {
    await applyMigrations({ databaseUrl, migrationsDir: writeMigrations({ '1_init': INIT }) });
    const columns = await query<{
      column_name: string;
      data_type: string;
      is_nullable: string;
      len: number | null;
    }>(
      databaseUrl,
      `SELECT column_name, data_type, is_nullable, character_maximum_length AS len
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying', is_nullable: 'NO', len: 36 },
      { column_name: 'checksum', data_type: 'character varying', is_nullable: 'NO', len: 64 },
      {
        column_name: 'finished_at',
        data_type: 'timestamp with time zone',
        is_nullable: 'YES',
        len: null,
      },
      {
        column_name: 'migration_name',
        data_type: 'character varying',
        is_nullable: 'NO',
        len: 255,
      },
      { column_name: 'logs', data_type: 'text', is_nullable: 'YES', len: null },
      {
        column_name: 'rolled_back_at',
        data_type: 'timestamp with time zone',
        is_nullable: 'YES',
        len: null,
      },
      {
        column_name: 'started_at',
        data_type: 'timestamp with time zone',
        is_nullable: 'NO',
        len: null,
      },
      { column_name: 'applied_steps_count', data_type: 'integer', is_nullable: 'NO', len: null },
    ]);
  });

  it('is a no-op when run again, and applies only what was added since', async () => {
    const migrationsDir = writeMigrations({ '1_init': INIT });
    await applyMigrations({ databaseUrl, migrationsDir });
    const before = await history(databaseUrl);

    const again = await applyMigrations({ databaseUrl, migrationsDir });
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(['1_init']);
    expect(await history(databaseUrl)).toEqual(before);

    writeMigrations({ '2_orders': ORDERS }, migrationsDir);
    const third = await applyMigrations({ databaseUrl, migrationsDir });
    expect(third.applied).toEqual(['2_orders']);
    expect((await history(databaseUrl)).length).toBe(2);
  });

  it('applies each migration once when several runners start at the same time', async () => {
    const migrationsDir = writeMigrations({
      '1_init': INIT,
      '2_orders': ORDERS,
      // slow enough that the runners really overlap
      '3_slow': 'SELECT pg_sleep(0.3);\nCREATE TABLE "Slow" ("id" INTEGER);\n',
    });
    const reports = await Promise.all(
      Array.from({ length: 4 }, () => applyMigrations({ databaseUrl, migrationsDir })),
    );
    const appliedNames = reports.flatMap((r) => r.applied).sort();
    expect(appliedNames).toEqual(['1_init', '2_orders', '3_slow']);
    expect((await history(databaseUrl)).map((r) => r.migration_name)).toEqual([
      '1_init',
      '2_orders',
      '3_slow',
    ]);
  });

  it('refuses to run when an applied migration was modified, naming it, and applies nothing', async () => {
    const migrationsDir = writeMigrations({ '1_init': INIT });
    await applyMigrations({ databaseUrl, migrationsDir });
    writeMigrations({ '1_init': `${INIT}-- an edit\n`, '2_orders': ORDERS }, migrationsDir);

    const error = await refusal(applyMigrations({ databaseUrl, migrationsDir }));

    expect(error.code).toBe('checksum_mismatch');
    expect(error.migrationName).toBe('1_init');
    expect(error.message).toContain('1_init was modified after it was applied');
    expect(await tables(databaseUrl)).not.toContain('Order');
  });

  it('accepts a file whose only change is CRLF line endings, as Prisma does', async () => {
    const migrationsDir = writeMigrations({ '1_init': INIT });
    await applyMigrations({ databaseUrl, migrationsDir });
    writeFileSync(join(migrationsDir, '1_init', 'migration.sql'), INIT.replaceAll('\n', '\r\n'));
    const report = await applyMigrations({ databaseUrl, migrationsDir });
    expect(report.alreadyApplied).toEqual(['1_init']);
  });

  it('rolls a failing migration back whole, reports it, and retries it once fixed', async () => {
    const broken = `CREATE TABLE "Half" ("id" INTEGER);\nALTER TABLE "Missing" ADD COLUMN "x" INTEGER;\n`;
    const migrationsDir = writeMigrations({
      '1_init': INIT,
      '2_broken': broken,
      '3_after': ORDERS,
    });

    const error = await refusal(applyMigrations({ databaseUrl, migrationsDir }));

    expect(error.code).toBe('migration_failed');
    expect(error.migrationName).toBe('2_broken');
    expect(error.message).toMatch(/2_broken failed .* rolled back/);
    expect(error.message).toContain('relation "Missing" does not exist');
    // the first statement of the failed migration left nothing behind, and nothing after it ran
    expect(await tables(databaseUrl)).toEqual(['User', '_prisma_migrations']);
    const rows = await history(databaseUrl);
    expect(
      rows.map((r) => [r.migration_name, r.finished_at === null, r.rolled_back_at !== null]),
    ).toEqual([
      ['1_init', false, false],
      ['2_broken', true, true],
    ]);
    expect(rows[1]?.logs).toContain('relation "Missing" does not exist');

    writeMigrations({ '2_broken': 'CREATE TABLE "Half" ("id" INTEGER);\n' }, migrationsDir);
    const retried = await applyMigrations({ databaseUrl, migrationsDir });
    expect(retried.applied).toEqual(['2_broken', '3_after']);
  });

  it('refuses to continue past a migration Prisma left unfinished', async () => {
    const migrationsDir = writeMigrations({ '1_init': INIT, '2_orders': ORDERS });
    await applyMigrations({ databaseUrl, migrationsDir: writeMigrations({ '1_init': INIT }) });
    await query(
      databaseUrl,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs) VALUES ($1, $2, '2_orders', 'crashed')`,
      ['00000000-0000-4000-8000-000000000000', 'x'.repeat(64)],
    );
    const error = await refusal(applyMigrations({ databaseUrl, migrationsDir }));
    expect(error.code).toBe('unfinished_migration');
    expect(error.message).toContain('prisma migrate resolve');
  });

  it('gives up with lock_timeout while another runner holds the lock', async () => {
    const holder = new pg.Client({ connectionString: databaseUrl });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(72707369)');
      const error = await refusal(
        applyMigrations({
          databaseUrl,
          migrationsDir: writeMigrations({ '1_init': INIT }),
          lockTimeoutMs: 300,
        }),
      );
      expect(error.code).toBe('lock_timeout');
    } finally {
      await holder.end();
    }
    expect(await tables(databaseUrl)).toEqual([]);
  });

  it('reports a missing migrations folder clearly', async () => {
    const error = await refusal(
      applyMigrations({ databaseUrl, migrationsDir: '/nonexistent/migrations' }),
    );
    expect(error.code).toBe('invalid_migrations_dir');
    expect(error.message).toContain('/nonexistent/migrations');
  });

  it('migrates several databases in order and stops at the first failure', async () => {
    const second = await createScratchDatabase(stack.pg.shard0.primary);
    const third = await createScratchDatabase(stack.pg.shard1.primary);
    const good = writeMigrations({ '1_init': INIT });
    const bad = writeMigrations({ '1_init': 'SELECT * FROM "nowhere";\n' });
    const error = await refusal(
      applyMigrationsEverywhere([
        { databaseUrl, migrationsDir: good },
        { databaseUrl: second, migrationsDir: bad },
        { databaseUrl: third, migrationsDir: good },
      ]),
    );
    expect(error.code).toBe('migration_failed');
    expect(await tables(databaseUrl)).toContain('User');
    expect(await tables(third)).toEqual([]);
  });
});
