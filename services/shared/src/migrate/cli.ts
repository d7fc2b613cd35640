#!/usr/bin/env node
/**
 * `shardgate-migrate <migrationsDir>`: applies Prisma-format migrations to every database listed in
 * `DATABASE_URLS` (separated by commas or whitespace). URLs come from the environment, never from
 * arguments, because arguments are visible to every user of the machine in `ps`.
 */
import { parseArgs } from 'node:util';
import { applyMigrationsEverywhere } from './apply-migrations-everywhere.js';
import { MigrationError } from './migration-error.js';

const USAGE = 'usage: DATABASE_URLS=<url>[,<url>...] shardgate-migrate <migrationsDir>';

async function main(): Promise<number> {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  const migrationsDir = positionals[0];
  const urls = (process.env.DATABASE_URLS ?? '').split(/[\s,]+/).filter(Boolean);
  if (!migrationsDir || positionals.length > 1 || urls.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const reports = await applyMigrationsEverywhere(
    urls.map((databaseUrl) => ({ databaseUrl, migrationsDir })),
    { onApplied: (name, database) => console.log(`applied ${name} on ${database}`) },
  );
  for (const report of reports) {
    console.log(
      `${report.database}: ${report.applied.length} applied, ${report.alreadyApplied.length} already applied`,
    );
    if (report.unknownToFolder.length > 0) {
      console.warn(
        `${report.database}: applied but not in ${migrationsDir}: ${report.unknownToFolder.join(', ')}`,
      );
    }
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof MigrationError) {
      console.error(`migration refused (${error.code}): ${error.message}`);
    } else {
      console.error(`migration failed: ${(error as Error).message}`);
    }
    process.exit(1);
  },
);
