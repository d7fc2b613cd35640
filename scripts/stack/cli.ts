/**
 * The local stack's command line: `up`, `down`, `status`, `env`.
 * Settings come from STACK_NAME, STACK_PORT_OFFSET and GATEWAY_PORT (see docs/local-stack.md).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { applyMigrationsEverywhere } from '@shardgate/shared/migrate';
import { stackLayout, stackOptionsFromEnv } from './layout.js';
import { serviceEnv } from './services.js';
import { down, migrationTargets, status, up } from './stack.js';
import { stackInfo } from './stack-info.js';
import { stackSecrets } from './state.js';

const USAGE =
  'usage: tsx scripts/stack/cli.ts up [--fresh] | down | status | env | migrate | set-role <email> <user|admin> | cleanup';

async function main(argv: string[]): Promise<number> {
  const layout = stackLayout(stackOptionsFromEnv());
  const say = (line: string) => console.log(`[stack ${layout.name}] ${line}`);
  switch (argv[0]) {
    case 'up': {
      const info = await up(layout, { fresh: argv.includes('--fresh'), report: say });
      await printStatus(layout);
      console.log(`\nGateway: ${info.gatewayUrl}`);
      console.log(`Prometheus: ${info.prometheusUrl}`);
      console.log(`Mailpit (the inbox): ${info.mailpitUrl}`);
      console.log('Stop everything with: npm run down');
      return 0;
    }
    case 'down':
      await down(layout, say);
      say('stopped');
      return 0;
    case 'status':
      return (await printStatus(layout)) ? 0 : 1;
    case 'env': {
      // for scripts and psql sessions: eval "$(npm run -s stack -- env)"
      const info = stackInfo(layout, stackSecrets(layout));
      const lines = {
        GATEWAY_URL: info.gatewayUrl,
        AUTH_DATABASE_URL: info.pg.auth.primary,
        SHARD_0_PRIMARY_URL: info.pg.shard0.primary,
        SHARD_1_PRIMARY_URL: info.pg.shard1.primary,
        REDIS_URL: info.redisUrl,
        PROMETHEUS_URL: info.prometheusUrl,
        MAILPIT_URL: info.mailpitUrl,
      };
      for (const [key, value] of Object.entries(lines)) console.log(`export ${key}='${value}'`);
      return 0;
    }
    case 'migrate': {
      // the same migrations `up` applies: auth's to the auth primary, the API's to every shard primary
      const reports = await applyMigrationsEverywhere(
        migrationTargets(layout, stackSecrets(layout)),
        {
          onApplied: (name, database) => say(`applied ${name} on ${database}`),
        },
      );
      for (const r of reports)
        say(
          `${r.database}: ${r.applied.length} applied, ${r.alreadyApplied.length} already applied`,
        );
      return 0;
    }
    case 'set-role':
    case 'cleanup': {
      // runs the auth service's own command with the stack's auth environment
      const result = spawnSync(
        process.execPath,
        [join(layout.repoRoot, `services/auth/dist/cli/${argv[0]}.js`), ...argv.slice(1)],
        {
          env: serviceEnv(layout, stackSecrets(layout), 'auth'),
          stdio: 'inherit',
        },
      );
      return result.status ?? 1;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

async function printStatus(layout: ReturnType<typeof stackLayout>): Promise<boolean> {
  const rows = await status(layout);
  const width = Math.max(...rows.map((r) => r.id.length));
  console.log(`${'component'.padEnd(width)}  ${'pid'.padStart(7)}  ${'port'.padStart(5)}  health`);
  for (const row of rows) {
    console.log(
      `${row.id.padEnd(width)}  ${String(row.pid ?? '-').padStart(7)}  ${String(row.port).padStart(5)}  ${row.health}`,
    );
  }
  return rows.every((r) => r.healthy);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[stack] ${(error as Error).message}`);
    process.exit(1);
  },
);
