import { join } from 'node:path';
import { portInUse } from '../scripts/stack/processes.js';
import { readState } from '../scripts/stack/state.js';
import {
  type AbOutcome,
  abLoad,
  abRunsTable,
  runAbRounds,
  type Side,
  sideUrl,
} from './lib/ab-rounds.js';
import { startBenchGateway } from './lib/bench-nginx.js';
import { type BenchContext, type RunRecord, runRecord, writeResults } from './lib/context.js';
import { runSanityChecks, tokenChecks } from './lib/http.js';
import { machineMarkdown } from './lib/machine.js';
import { nginxErrorLines } from './lib/nginx-errors.js';
import { buildOauth2Proxy, OAUTH2_PROXY_VERSION, oauth2ProxyArgs } from './lib/oauth2-proxy.js';
import { Cleanup, log, startProcess } from './lib/procs.js';
import { fmt, pct } from './lib/stats.js';
import { wrkCommandLine } from './lib/wrk.js';

export const NAME = 'peer';
/** Our median throughput must be at least this multiple of oauth2-proxy's. */
export const TARGET_RATIO = 1.5;
/** The issue asks for at least five alternating rounds. */
const MIN_ROUNDS = 5;

export interface PeerResult extends RunRecord, AbOutcome {
  readonly name: typeof NAME;
  readonly settings: {
    readonly wrk: string;
    readonly durationSeconds: number;
    readonly rounds: number;
    readonly warmupSeconds: number;
    readonly tokens: number;
    readonly oauth2Proxy: string;
    readonly oauth2ProxyArgs: readonly string[];
    readonly authLogLevel: string;
  };
  readonly checks: Readonly<Record<string, number>>;
  readonly nginxErrorLines: number;
  readonly targetRatio: number;
  readonly targetMet: boolean;
}

export async function runPeer(
  ctx: BenchContext,
): Promise<{ result: PeerResult; files: { markdown: string; json: string } }> {
  const startedAt = new Date();
  const { layout, ports, options } = ctx;
  const rounds = Math.max(MIN_ROUNDS, options.quick ? 1 : options.rounds);
  const local = new Cleanup();
  ctx.cleanup.add('peer benchmark processes', () => local.runAll());
  try {
    log(`peer: oauth2-proxy v${OAUTH2_PROXY_VERSION} (built from its Go module once, then cached)`);
    const binary = await buildOauth2Proxy();
    const proxyPort = layout.ports.auth + 13;
    const args = oauth2ProxyArgs({
      port: proxyPort,
      issuer: `http://127.0.0.1:${layout.ports.gateway}`,
      jwksUrl: `http://127.0.0.1:${layout.ports.auth}/.well-known/jwks.json`,
      audience: 'shardgate-api',
    });
    const proxyPid = await startProcess(local, 'oauth2-proxy', binary, args, {
      logFile: join(layout.logDir, 'bench-oauth2-proxy.log'),
      cwd: layout.repoRoot,
      ready: () => portInUse(proxyPort),
    });
    const { errorLog } = await startBenchGateway(local, layout, ports.backend, [
      {
        port: ports.sideA,
        authUrl: `http://127.0.0.1:${layout.ports.auth}/verify`,
        label: `side A: auth_request to shardgate's /verify (port ${layout.ports.auth})`,
      },
      {
        port: ports.sideB,
        authUrl: `http://127.0.0.1:${proxyPort}/oauth2/auth`,
        label: `side B: auth_request to oauth2-proxy's /oauth2/auth (port ${proxyPort})`,
        identityHeadersFrom: {
          'x-user-id': 'x-auth-request-user',
          'x-user-email': 'x-auth-request-email',
          'x-user-role': 'x-auth-request-groups',
        },
      },
    ]);
    const authPid = readState(layout).auth?.pid;
    if (authPid === undefined) throw new Error('the bench stack has no auth process recorded');
    const errorsBefore = nginxErrorLines(errorLog);

    // both sides pass a valid token to the backend (which insists on X-User-Id) and refuse junk;
    // the first valid request also has oauth2-proxy fetch the JWKS before anything is measured
    const url = (side: Side) => sideUrl(ports, side);
    const token = ctx.tokens[0] as string;
    const checks = await runSanityChecks('peer', [
      ...tokenChecks('A', url('A'), token),
      ...tokenChecks('B', url('B'), token),
    ]);

    const wrkOptions = abLoad(ctx, local);
    log('peer:');
    const outcome = await runAbRounds({
      wrk: wrkOptions,
      verifierPid: { A: authPid, B: proxyPid },
      rounds,
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
    });
    const result: PeerResult = {
      name: NAME,
      ...runRecord(ctx, startedAt),
      settings: {
        wrk: wrkCommandLine(wrkOptions('A', options.durationSeconds), '<tokens.lua>'),
        durationSeconds: options.durationSeconds,
        rounds,
        warmupSeconds: options.warmupSeconds,
        tokens: ctx.tokens.length,
        oauth2Proxy: `v${OAUTH2_PROXY_VERSION}`,
        // the cookie secret is random per run and used by nothing; still, it is not recorded
        oauth2ProxyArgs: args.map((arg) =>
          arg.startsWith('--cookie-secret=') ? '--cookie-secret=<random>' : arg,
        ),
        authLogLevel: `LOG_LEVEL=${process.env.LOG_LEVEL ?? 'info'}, VERIFY_LOG_LEVEL=${process.env.STACK_AUTH_VERIFY_LOG_LEVEL ?? 'debug'}`,
      },
      checks,
      ...outcome,
      nginxErrorLines: nginxErrorLines(errorLog) - errorsBefore,
      targetRatio: TARGET_RATIO,
      targetMet:
        outcome.valid &&
        outcome.throughputRatio >= TARGET_RATIO &&
        outcome.sides.A.medianP99Ms < outcome.sides.B.medianP99Ms,
    };
    const files = writeResults(ctx, NAME, startedAt, renderMarkdown(result), result);
    return { result, files };
  } finally {
    await local.runAll();
  }
}

function renderMarkdown(r: PeerResult): string {
  const { A, B } = r.sides;
  const s = r.settings;
  const figures = `shardgate's \`/verify\` serves ${fmt(r.throughputRatio, 2)}× oauth2-proxy's median throughput (target ≥ ${fmt(r.targetRatio, 1)}×), median p99 ${fmt(A.medianP99Ms)} ms against ${fmt(B.medianP99Ms)} ms (target: lower)`;
  const verdict = r.targetMet
    ? `**met**: ${figures}.`
    : r.valid
      ? `**not met**: ${figures}.`
      : '**not valid**: some requests failed (see the table); the ratios are not meaningful.';
  return `# shardgate \`/verify\` vs oauth2-proxy \`/oauth2/auth\` behind the same nginx

Run ${r.startedAt} → ${r.finishedAt} (UTC), \`${r.command}\`.

## Result

${verdict}

| | A: shardgate \`/verify\` | B: oauth2-proxy ${s.oauth2Proxy} | A / B |
|---|---:|---:|---:|
| median throughput (req/s) | ${fmt(A.medianRequestsPerSecond, 0)} | ${fmt(B.medianRequestsPerSecond, 0)} | **${fmt(r.throughputRatio, 3)}** |
| median p50 latency (ms) | ${fmt(A.medianP50Ms)} | ${fmt(B.medianP50Ms)} | ${fmt(A.medianP50Ms / B.medianP50Ms)} |
| median p99 latency (ms) | ${fmt(A.medianP99Ms)} | ${fmt(B.medianP99Ms)} | ${fmt(r.p99Ratio)} |
| median CPU of the answering process (100 % = 1 core) | ${pct(A.medianVerifierCpu)} | ${pct(B.medianVerifierCpu)} | |

Medians over ${s.rounds} runs per side; nginx error-log lines during the runs: ${r.nginxErrorLines}.

**What each side checks.** Both verify the token's EdDSA signature against the auth service's
JWKS, its issuer, audience and expiry. \`/verify\` also checks the session and the user (revoked,
deactivated: refused within a second); oauth2-proxy cannot know of either and passes a revoked
token until it expires. Both log one line per request (\`/verify\` at ${s.authLogLevel}: every check at info, as
the benchmark sets it; oauth2-proxy at its defaults).

## Machine

${machineMarkdown(r.machine)}

## Settings

- One nginx (2 workers, access log off), two servers identical but for the auth subrequest's target, built from the stack gateway's own \`/_external-auth\` and \`/api/\` locations (\`renderGatewayConfig\`): a new connection per subrequest, the ingress-nginx headers. Side B reads oauth2-proxy's \`X-Auth-Request-User\`, \`-Email\` and \`-Groups\` into the same \`X-User-Id\`, \`X-User-Email\` and \`X-User-Role\` its \`/api/\` location passes on, as an oauth2-proxy operator would write it.
- **A**: the bench stack's auth service (\`services/auth/dist/main.js\`, one process, real Postgres and Redis).
- **B**: oauth2-proxy ${s.oauth2Proxy}, built from \`github.com/oauth2-proxy/oauth2-proxy/v7\`, one process: \`${s.oauth2ProxyArgs.join(' ')}\`.
- Both proxy \`/api/\` to one trivial node:http backend that answers 200 only when \`X-User-Id\` arrived.
- Load: \`${s.wrk}\`, ${s.durationSeconds} s per run, ${s.rounds} rounds alternating A B / B A, ${s.warmupSeconds} s warm-up per side; the same Lua script rotating over ${s.tokens} access tokens of distinct users on both sides.
- Sanity checks before the runs (HTTP status): ${Object.entries(r.checks)
    .map(([k, v]) => `${k} → ${v}`)
    .join('; ')}.

## Runs

${abRunsTable(r.runs, 'answering CPU')}
`;
}
