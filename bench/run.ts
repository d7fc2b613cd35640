/**
 * Benchmark driver: starts its own stack (`bench`, ports +300), seeds users, runs the selected
 * benchmarks, writes their results to bench/results/, and stops everything it started.
 *
 *   npx tsx bench/run.ts [verify|login-storm|api|api-shards|peer|scale|reset-timing|all] [--duration 15] [--rounds 3] [--quick] [--allow-busy] [--profile auth|api]
 *
 * `all` is the first three; `peer` (the comparison with oauth2-proxy, which builds it once),
 * `scale` (100,000 sessions), `api-shards` and `reset-timing` run only when asked for.
 *
 * See bench/README.md for what each benchmark measures and how to read the results.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stackLayout } from '../scripts/stack/layout.js';
import { serviceBuilt, serviceEntry, serviceEnv } from '../scripts/stack/services.js';
import { down, up } from '../scripts/stack/stack.js';
import { stackSecrets } from '../scripts/stack/state.js';
import { runApiReadMix } from './api-read-mix.js';
import { runApiShards } from './api-shards.js';
import { type BenchContext, type BenchOptions, benchPorts } from './lib/context.js';
import { machineInfo } from './lib/machine.js';
import { answers, Cleanup, log, requireFreePorts, startProcess } from './lib/procs.js';
import { PROFILED_SERVICES, type ProfiledService, ServiceProfiling } from './lib/profiling.js';
import { requireQuietMachine } from './lib/quiet-machine.js';
import { fmt, pct } from './lib/stats.js';
import { addressPlan, newUsers, registerAndLogin } from './lib/users.js';
import { runLoginStorm } from './login-storm.js';
import { runPeer } from './peer.js';
import { runResetTiming } from './reset-timing.js';
import { runScale } from './scale.js';
import { runVerifyThroughGateway } from './verify-through-gateway.js';

const USAGE =
  'usage: npx tsx bench/run.ts [verify|login-storm|api|api-shards|peer|scale|reset-timing|all] [--duration <s>] [--rounds <n>] [--quick] [--allow-busy] [--profile auth|api]...';
/** Users whose access tokens the load rotates over. */
const TOKEN_USERS = 200;

const WHICH = [
  'verify',
  'login-storm',
  'api',
  'api-shards',
  'peer',
  'scale',
  'reset-timing',
  'all',
] as const;
type Which = (typeof WHICH)[number];

function parseArgs(argv: readonly string[]): {
  which: Which;
  options: BenchOptions;
  allowBusy: boolean;
  profile: ProfiledService[];
} {
  let which: Which = 'all';
  const profile: ProfiledService[] = [];
  let quick = false;
  let allowBusy = false;
  let duration: number | undefined;
  let rounds: number | undefined;
  const positive = (flag: string, value: string | undefined) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`${flag} needs a positive integer\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if ((WHICH as readonly string[]).includes(arg)) which = arg as Which;
    else if (arg === '--quick') quick = true;
    else if (arg === '--allow-busy') allowBusy = true;
    else if (arg === '--duration') duration = positive(arg, argv[++i]);
    else if (arg === '--rounds') rounds = positive(arg, argv[++i]);
    else if (arg === '--profile') {
      const service = argv[++i] as ProfiledService;
      if (!PROFILED_SERVICES.includes(service))
        throw new Error(`--profile needs ${PROFILED_SERVICES.join(' or ')}\n${USAGE}`);
      if (!profile.includes(service)) profile.push(service);
    } else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  return {
    which,
    allowBusy,
    profile,
    options: {
      durationSeconds: duration ?? (quick ? 3 : 15),
      rounds: rounds ?? (quick ? 1 : 3),
      warmupSeconds: quick ? 1 : 3,
      quick,
    },
  };
}

/**
 * Registers and logs in the users whose tokens the benchmarks send. They are seeded through a
 * second, temporary auth process on the same database, Redis and signing keys, with bcrypt
 * cost 4 and the per-IP registration limit lifted: at cost 12 with one bcrypt at a time, 200
 * registrations plus 200 logins would take over 100 s, and `/verify` never touches a password
 * hash. The tokens are ordinary access tokens that the measured auth service verifies like any
 * other (same issuer, audience and key, sessions in the same Postgres and Redis).
 */
async function seedTokens(
  layout: ReturnType<typeof stackLayout>,
  secrets: ReturnType<typeof stackSecrets>,
  cleanup: Cleanup,
  ports: ReturnType<typeof benchPorts>,
): Promise<string[]> {
  const seeder = new Cleanup();
  cleanup.add('seeding auth process', () => seeder.runAll());
  try {
    const env = {
      ...serviceEnv(layout, secrets, 'auth'),
      PORT: String(ports.seeder),
      METRICS_PORT: String(ports.seederMetrics),
      LOG_LEVEL: 'warn',
      BCRYPT_COST: '4',
      REGISTRATIONS_PER_IP: '1000000',
    };
    const url = `http://127.0.0.1:${ports.seeder}`;
    await startProcess(
      seeder,
      'seeding auth process',
      process.execPath,
      [serviceEntry(layout, 'auth')],
      {
        env,
        logFile: join(layout.logDir, 'bench-seeder.log'),
        cwd: layout.repoRoot,
        ready: () => answers(`${url}/readyz`),
      },
    );
    const users = await registerAndLogin(url, newUsers(TOKEN_USERS, 'verify', addressPlan()), 8);
    return users.map((u) => u.accessToken as string);
  } finally {
    await seeder.runAll();
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const { which, options, allowBusy, profile } = parseArgs(argv);
  const layout = stackLayout({ name: 'bench', portOffset: 300 });
  // before the command is recorded: it then shows the profiler in the services' NODE_OPTIONS
  const profiling = new ServiceProfiling(layout, profile, new Date(), options.quick);
  // oauth2-proxy logs one line per request at its defaults; for the same logging on both sides
  // the auth service logs every check, allowed ones included (its default logs only refusals)
  if (which === 'peer') process.env.STACK_AUTH_VERIFY_LOG_LEVEL ??= 'info';
  // settings handed to the stack's services (STACK_API_DATABASE_POOL_SIZE=4, ...) change what is
  // measured: the recorded command shows them
  const overrides = Object.entries(process.env)
    .filter(([key]) => key.startsWith('STACK_'))
    .map(([key, value]) => `${key}=${value} `)
    .join('');
  const command = `${overrides}npx tsx bench/run.ts ${argv.join(' ')}`.trim();
  if (!serviceBuilt(layout, 'auth'))
    throw new Error('services/auth/dist/main.js is missing: run `bash scripts/build.sh` first');
  // before anything of the benchmark's own runs: a stack reused from an earlier run idles
  await requireQuietMachine(allowBusy, log);
  const machine = machineInfo(layout.repoRoot);
  const ports = benchPorts(layout);
  const cleanup = new Cleanup();
  let cleaning: Promise<void> | undefined;
  const cleanUp = () => {
    cleaning ??= cleanup.runAll();
    return cleaning;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping everything the benchmark started`);
      void cleanUp().finally(() => process.exit(130));
    });
  }

  try {
    await requireFreePorts({
      'gateway bench side A': ports.sideA,
      'gateway bench side B': ports.sideB,
      'trivial verify': ports.trivialVerify,
      'trivial backend': ports.backend,
      'seeding auth': ports.seeder,
      'seeding auth metrics': ports.seederMetrics,
    });
    log(`starting the bench stack (.stack/${layout.name}, ports +300)`);
    cleanup.add('bench stack', () => down(layout, (line) => log(`stack: ${line}`)));
    await up(layout, { report: (line) => log(`stack: ${line}`) });
    profiling.stackStarted();
    const secrets = stackSecrets(layout);

    const workDir = join(layout.dir, 'bench-work');
    mkdirSync(workDir, { recursive: true, mode: 0o700 });
    log(`seeding ${TOKEN_USERS} users and their access tokens`);
    const tokens = await seedTokens(layout, secrets, cleanup, ports);
    const tokensFile = join(workDir, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify(tokens), { mode: 0o600 });
    cleanup.add('token file', () => rmSync(tokensFile, { force: true }));

    const ctx: BenchContext = {
      layout,
      secrets,
      machine,
      options,
      command,
      cleanup,
      workDir,
      tokens,
      tokensFile,
      ports,
    };
    const summary: string[] = [];
    profiling.benchmarksStarting();
    if (which === 'verify' || which === 'all') {
      const { result, files } = await runVerifyThroughGateway(ctx);
      summary.push(
        `verify through gateway: A/B throughput ${fmt(result.throughputRatio, 3)} (target ≥ ${result.targetRatio}) → ${result.targetMet ? 'met' : 'NOT met'}; p99 A ${fmt(result.sides.A.medianP99Ms)} ms, B ${fmt(result.sides.B.medianP99Ms)} ms; ${fmt(result.sides.A.medianRequestsPerSecond, 0)} vs ${fmt(result.sides.B.medianRequestsPerSecond, 0)} req/s`,
        `  ${files.markdown}`,
      );
    }
    if (which === 'login-storm' || which === 'all') {
      const { result, files } = await runLoginStorm(ctx);
      summary.push(
        `login storm: /verify p99 storm/idle ${fmt(result.p99Ratio)} (target ≤ ${result.targetRatio}) → ${result.targetMet ? 'met' : 'NOT met'}; p99 idle ${fmt(result.idle.medianP99Ms)} ms, storm ${fmt(result.storm.medianP99Ms)} ms; lag p99 ${fmt(result.idle.medianLagP99Ms)} → ${fmt(result.storm.medianLagP99Ms)} ms; ${fmt(result.storm.medianLoginsPerSecond)} logins/s, ${pct(result.loginThroughputRatio)} of ${fmt(result.bcryptRate.perSecond)} hashes/s (target ≥ ${pct(result.targetLoginShare)})`,
        `  ${files.markdown}`,
      );
    }
    if (which === 'api' || which === 'all') {
      const { result, files } = await runApiReadMix(ctx);
      summary.push(
        `api read mix: replica share of reads ${pct(result.replicaShare, 1)} (target ≥ ${pct(result.targetReplicaShare)}); mix/baseline throughput ${fmt(result.throughputRatio, 3)} (target ≥ ${result.targetThroughputRatio}; ${fmt(result.sides.mix.medianRequestsPerSecond, 0)} vs ${fmt(result.sides.baseline.medianRequestsPerSecond, 0)} req/s); p99 mix ${fmt(result.sides.mix.medianP99Ms)} ms, baseline ${fmt(result.sides.baseline.medianP99Ms)} ms (target ≤ ${result.targetP99Ratio}×); API CPU ${fmt(result.apiCpuMsPerRequest, 3)} ms/request (target ≤ ${result.targetApiCpuMsPerRequest}) → ${result.targetMet ? 'met' : 'NOT met'}`,
        `  ${files.markdown}`,
      );
    }
    if (which === 'peer') {
      const { result, files } = await runPeer(ctx);
      summary.push(
        `peer: shardgate/oauth2-proxy throughput ${fmt(result.throughputRatio, 3)} (target ≥ ${result.targetRatio}), p99 ${fmt(result.sides.A.medianP99Ms)} vs ${fmt(result.sides.B.medianP99Ms)} ms → ${result.targetMet ? 'met' : 'NOT met'}; ${fmt(result.sides.A.medianRequestsPerSecond, 0)} vs ${fmt(result.sides.B.medianRequestsPerSecond, 0)} req/s`,
        `  ${files.markdown}`,
      );
    }
    if (which === 'api-shards') {
      const { result, files } = await runApiShards(ctx);
      summary.push(
        `api with 2 and 4 shards: mix/baseline ${result.steps.map((s) => `${s.shards} shards ${fmt(s.throughputRatio, 3)}, API ${fmt(s.apiCpuMsPerRequest, 2)} ms/request`).join('; ')}; 4 over 2: ${fmt(result.throughputRatio, 3)}`,
        `  ${files.markdown}`,
      );
    }
    if (which === 'reset-timing') {
      const { result, files } = await runResetTiming(ctx);
      summary.push(
        `reset timing: median answer for accounts ${fmt(result.sides.accounts.latencyMs.p50, 3)} ms, unknown addresses ${fmt(result.sides.unknown.latencyMs.p50, 3)} ms, ratio ${fmt(result.medianRatio, 3)} (target within ${result.targetRatio}×) → ${result.targetMet ? 'met' : 'NOT met'}`,
        `  ${files.markdown}`,
      );
    }
    if (which === 'scale') {
      const { result, files } = await runScale(ctx);
      const last = result.steps[result.steps.length - 1];
      summary.push(
        `scale: /verify at ${last?.sessions} sessions ${fmt(result.throughputRatio, 3)} of the throughput at ${result.steps[0]?.sessions} (target ≥ ${result.targetRatio}); memory auth ${fmt(last?.memory.auth.mb ?? Number.NaN, 0)} MB, API ${fmt(last?.memory.api.mb ?? Number.NaN, 0)} MB (≤ ${result.targetRssMb}) → ${result.targetMet ? 'met' : 'NOT met'}`,
        `  ${files.markdown}`,
      );
    }
    profiling.benchmarksDone();
    log('results:');
    for (const line of summary) console.log(line);
  } finally {
    await cleanUp();
  }
  // the services write their profiles as they exit, i.e. once the stack is down
  for (const { service, svg, markdown } of profiling.render(command, machine))
    console.log(`${service} profile:\n  ${svg}\n  ${markdown}`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`[bench] ${(error as Error).message}`);
    process.exit(1);
  },
);
