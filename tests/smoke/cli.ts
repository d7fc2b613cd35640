/**
 * `npm run smoke -- --base-url <url>`: runs the smoke checks against a deployed edge and exits
 * non-zero when one fails. See docs/smoke.md.
 */
import { parseArgs } from 'node:util';
import { SMOKE_CHECKS } from './checks.js';
import type { SmokeContext } from './context.js';
import { EXIT, exitCode, formatResult, formatSummary, jsonReport } from './report.js';
import { runChecks } from './runner.js';
import { createSmokeContext } from './smoke-context.js';

const USAGE = `usage: npm run smoke -- --base-url <url> [options]

  --base-url <url>       the edge to test: the local gateway (http://127.0.0.1:8080) or an
                         ingress behind kubectl port-forward; default: $SMOKE_BASE_URL
  --timeout <seconds>    limit per request, more than 0 (default 10)
  --verbose              print every request: method, path, status, time
  --json                 print one JSON report on stdout instead of the text report
  --help                 this text

exit codes: 0 all checks passed, 1 a check failed, 2 bad usage, 3 nothing answered at the URL`;

/** Parsed command line. */
interface CliOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly verbose: boolean;
  readonly json: boolean;
}

class UsageError extends Error {}

function parseCli(argv: string[]): CliOptions | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const baseUrl = values['base-url'] ?? process.env.SMOKE_BASE_URL;
  if (!baseUrl) throw new UsageError('--base-url is required (or set SMOKE_BASE_URL)');
  return {
    baseUrl,
    // a zero timeout would abort every request and be reported as "nothing answers" (exit 3)
    timeoutMs: seconds('--timeout', values.timeout, 10) * 1000,
    verbose: values.verbose ?? false,
    json: values.json ?? false,
  };
}

/** Options that take a number of seconds. */
const SECONDS_OPTIONS = new Set(['--timeout']);

/**
 * `--timeout -5` as `--timeout=-5`: parseArgs would call a value starting with a dash ambiguous,
 * where the range check of {@link seconds} names the mistake.
 */
function joinNegativeSeconds(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (SECONDS_OPTIONS.has(arg) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function parse(argv: string[]) {
  return parseArgs({
    args: joinNegativeSeconds(argv),
    strict: true,
    allowPositionals: false,
    options: {
      'base-url': { type: 'string' },
      timeout: { type: 'string' },
      verbose: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** A number of seconds, more than 0 and up to an hour. */
function seconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 3600) {
    throw new UsageError(
      `${flag} takes a number of seconds greater than 0 and at most 3600, got "${value}"`,
    );
  }
  return n;
}

async function main(argv: string[]): Promise<number> {
  let options: CliOptions | 'help';
  let ctx: SmokeContext;
  try {
    options = parseCli(argv);
    if (options === 'help') {
      console.log(USAGE);
      return EXIT.ok;
    }
    const { json, verbose } = options;
    // with --json stdout carries only the report, so request traces and progress go to stderr
    const print = json ? console.error : console.log;
    ctx = createSmokeContext({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      note: (line) => print(`        ${line}`),
      ...(verbose
        ? {
            trace: (r) => print(`        ${r.method} ${r.path} → ${r.status} (${r.durationMs} ms)`),
          }
        : {}),
    });
  } catch (error) {
    console.error(`smoke: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { client } = ctx;
  const width = Math.max(...SMOKE_CHECKS.map((c) => c.name.length));
  if (!options.json) console.log(`smoke: ${SMOKE_CHECKS.length} checks against ${client.baseUrl}`);
  const started = performance.now();
  const results = await runChecks(SMOKE_CHECKS, ctx, (result) => {
    if (!options.json) console.log(formatResult(result, width));
  });
  const durationMs = Math.round(performance.now() - started);
  if (options.json) {
    console.log(JSON.stringify(jsonReport(client.baseUrl, results, durationMs), null, 2));
  } else {
    console.log(formatSummary(client.baseUrl, results, durationMs));
  }
  return exitCode(results);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // only a bug gets here: checks turn their own errors into results
    console.error(`smoke: internal error: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = EXIT.failed;
  },
);
