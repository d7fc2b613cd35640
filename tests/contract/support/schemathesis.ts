import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
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
export function runSchemathesis(run: SchemathesisRun): Promise<SchemathesisResult> {
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
  return new Promise((resolve, reject) => {
    const child = spawn(schemathesisBinary(), args, {
      cwd: run.reportDir,
      env: { ...process.env, NO_COLOR: '1', COLUMNS: '120' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      writeFileSync(join(run.reportDir, 'output.txt'), output);
      resolve({ exitCode, output, durationMs: Date.now() - started });
    });
  });
}
