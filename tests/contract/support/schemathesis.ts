import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CommandError, runCommand } from '../../../scripts/cluster/command.js';
import { REPO_ROOT } from '../../../scripts/stack/layout.js';

/** The pins bootstrap installs (scripts/contract/requirements.txt). */
const REQUIREMENTS = join(REPO_ROOT, 'scripts', 'contract', 'requirements.txt');

/**
 * The pinned Schemathesis's `st`, where scripts/contract/schemathesis-env.sh installs it.
 *
 * @throws Error naming the fix when it is not installed: a missing tool fails the run, never skips it
 */
export function schemathesisBinary(): string {
  const version = /^schemathesis==(\S+)$/m.exec(readFileSync(REQUIREMENTS, 'utf8'))?.[1];
  if (version === undefined) throw new Error(`${REQUIREMENTS} pins no schemathesis==<version>`);
  const cache = process.env.SHARDGATE_CACHE || join(homedir(), '.cache', 'shardgate');
  const home = join(cache, `schemathesis-${version}`);
  const st = join(home, 'venv', 'bin', 'st');
  if (!existsSync(join(home, 'complete')) || !existsSync(st)) {
    throw new Error(
      `Schemathesis ${version} is not installed at ${home}: run \`bash scripts/bootstrap.sh\` ` +
        '(npm test runs it first)',
    );
  }
  return st;
}

/** One `st run` of a document. */
export interface SchemathesisRun {
  /** The OpenAPI document. */
  readonly document: string;
  /** Where its operations are served. */
  readonly baseUrl: string;
  /** The schemathesis.toml text (schemathesisConfig). */
  readonly config: string;
  /** Only these paths (exact), or every path but `excludePaths`. */
  readonly includePaths?: readonly string[];
  readonly excludePaths?: readonly string[];
  /** Where the config, the JSON and JUnit reports are written. */
  readonly reportDir: string;
  /** Killed past this; the config's example count is what keeps a run short. */
  readonly timeoutMs: number;
}

/** What a run printed and how it ended. */
export interface SchemathesisResult {
  readonly exitCode: number | null;
  readonly output: string;
  readonly durationMs: number;
}

/** Runs Schemathesis once and collects its output (its exit code is 0 only with no failure). */
export async function runSchemathesis(run: SchemathesisRun): Promise<SchemathesisResult> {
  mkdirSync(run.reportDir, { recursive: true });
  const configFile = join(run.reportDir, 'schemathesis.toml');
  writeFileSync(configFile, run.config);
  const args = [
    '--config-file',
    configFile,
    '--no-color',
    'run',
    run.document,
    '--url',
    run.baseUrl,
    '--report',
    'json,junit',
    '--report-dir',
    run.reportDir,
    ...(run.includePaths ?? []).flatMap((p) => ['--include-path', p]),
    ...(run.excludePaths ?? []).flatMap((p) => ['--exclude-path', p]),
  ];
  const started = Date.now();
  let exitCode: number | null = 0;
  let stdout: string;
  let stderr: string;
  try {
    ({ stdout, stderr } = await runCommand(schemathesisBinary(), args, {
      cwd: run.reportDir,
      env: { NO_COLOR: '1', COLUMNS: '120' },
      timeoutMs: run.timeoutMs,
    }));
  } catch (error) {
    // a failing run exits non-zero: that is a result to report, not an error
    if (!(error instanceof CommandError)) throw error;
    ({ status: exitCode, stdout, stderr } = error);
  }
  const output = stdout + stderr;
  writeFileSync(join(run.reportDir, 'output.txt'), output);
  return { exitCode, output, durationMs: Date.now() - started };
}
