#!/usr/bin/env node
/**
 * `shardgate-migrate [--connect-timeout <s> | --wait [--timeout <s>]] <migrationsDir>`: applies
 * Prisma-format migrations to every database listed in `DATABASE_URLS` (separated by commas or
 * whitespace). URLs come from the environment, never from arguments, because arguments are visible
 * to every user of the machine in `ps`. A database that is not reachable yet (starting, no ready
 * endpoint, network rules not yet in place for a pod that has just started) is tried again for
 * `--connect-timeout` seconds (default 60) before the run fails.
 *
 * With `--wait` it applies nothing: it polls every 2 s until each migration of the folder is
 * recorded as finished in `_prisma_migrations` of every database, then exits 0; after `--timeout`
 * seconds (default 300) it exits 1 naming what is still missing where. This is the
 * wait-for-migrations initContainer of the Kubernetes Deployments.
 */
import { parseArgs } from 'node:util';
import { applyMigrationsEverywhere } from './apply-migrations-everywhere.js';
import { MigrationError } from './migration-error.js';
import { waitForMigrations } from './wait-for-migrations.js';

const USAGE =
  'usage: DATABASE_URLS=<url>[,<url>...] shardgate-migrate [--connect-timeout <seconds> | --wait [--timeout <seconds>]] <migrationsDir>';

const DEFAULT_WAIT_TIMEOUT_SECONDS = 300;
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 60;

/** The parsed command line, or the reason it is unusable. */
type Command =
  | { mode: 'apply'; migrationsDir: string; connectTimeoutSeconds: number }
  | { mode: 'wait'; migrationsDir: string; timeoutSeconds: number }
  | { mode: 'usage'; problem: string };

function parseCommand(args: string[]): Command {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    return { mode: 'usage', problem: (error as Error).message };
  }
  const { values, positionals } = parsed;
  const migrationsDir = positionals[0];
  if (!migrationsDir || positionals.length > 1) {
    return { mode: 'usage', problem: 'exactly one migrations folder is required' };
  }
  if (!values.wait) {
    if (values.timeout !== undefined) return { mode: 'usage', problem: '--timeout needs --wait' };
    const connectTimeoutSeconds = seconds(
      values['connect-timeout'],
      DEFAULT_CONNECT_TIMEOUT_SECONDS,
    );
    if (connectTimeoutSeconds === undefined) {
      return {
        mode: 'usage',
        problem: '--connect-timeout must be a whole number of seconds, at least 1',
      };
    }
    return { mode: 'apply', migrationsDir, connectTimeoutSeconds };
  }
  if (values['connect-timeout'] !== undefined) {
    return { mode: 'usage', problem: '--connect-timeout applies to migrating, not to --wait' };
  }
  const timeoutSeconds = seconds(values.timeout, DEFAULT_WAIT_TIMEOUT_SECONDS);
  if (timeoutSeconds === undefined) {
    return { mode: 'usage', problem: '--timeout must be a whole number of seconds, at least 1' };
  }
  return { mode: 'wait', migrationsDir, timeoutSeconds };
}

/** A whole number of seconds ≥ 1 from an option, its default when absent, undefined when invalid. */
function seconds(value: string | undefined, fallback: number): number | undefined {
  const parsed = value === undefined ? fallback : Number(value);
  return Number.isInteger(parsed) && parsed >= 1 ? parsed : undefined;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
      'connect-timeout': { type: 'string' },
    },
  });
}

async function main(): Promise<number> {
  const command = parseCommand(process.argv.slice(2));
  const urls = (process.env.DATABASE_URLS ?? '').split(/[\s,]+/).filter(Boolean);
  if (command.mode === 'usage' || urls.length === 0) {
    console.error(command.mode === 'usage' ? command.problem : 'DATABASE_URLS is empty');
    console.error(USAGE);
    return 2;
  }
  const { migrationsDir } = command;
  if (command.mode === 'wait') {
    await waitForMigrations({
      databaseUrls: urls,
      migrationsDir,
      timeoutMs: command.timeoutSeconds * 1000,
      onWaiting: (reasons) => console.log(`waiting: ${reasons.join(' | ')}`),
    });
    console.log(`all migrations of ${migrationsDir} are applied on ${urls.length} database(s)`);
    return 0;
  }
  const reports = await applyMigrationsEverywhere(
    urls.map((databaseUrl) => ({ databaseUrl, migrationsDir })),
    {
      onApplied: (name, database) => console.log(`applied ${name} on ${database}`),
      connectTimeoutMs: command.connectTimeoutSeconds * 1000,
    },
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
