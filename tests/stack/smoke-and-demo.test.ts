/**
 * The smoke CLI and the demo, run as the user runs them (child processes: `npm run smoke`, or tsx
 * directly) against the test stack: the smoke suite passes against the gateway, fails on the
 * failing check against a server that answers wrongly, fails clearly where nothing listens and on
 * bad usage, and neither it nor the demo ever prints a token or a password.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/stack/layout.js';
import { SMOKE_CHECKS } from '../smoke/checks.js';
import type { JsonReport } from '../smoke/report.js';
import { freePort } from '../support/wait.js';

const stack = inject('stack');
const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

/**
 * What the secrets of a smoke or demo run look like. They are made inside the child process (a
 * random password, then the tokens the stack issues), so the test cannot know their values and
 * looks for their shapes instead: an access token is a JWT; a refresh token is 32 random bytes in
 * base64url, 43 characters; the smoke and demo passwords are 24 random bytes in base64url, 32
 * characters. No legitimate output has a base64url run of exactly 32 or 43 characters (ids are
 * decimal, order ids are 36-character UUIDs, kids 27 characters). A printed *part* of a refresh
 * token would not match these, which is why the demo test also checks the refresh-token line.
 */
const SECRET_SHAPES: ReadonlyArray<readonly [string, RegExp]> = [
  ['a JWT (access token)', /eyJ[\w-]+\.[\w-]+\.[\w-]+/g],
  ['43 base64url characters (refresh token)', /(?<![\w-])[\w-]{43}(?![\w-])/g],
  ['32 base64url characters (password)', /(?<![\w-])[\w-]{32}(?![\w-])/g],
];

/** Where `text` holds something shaped like a secret: the shape and offset, never the match. */
function secretShaped(text: string): string[] {
  return SECRET_SHAPES.flatMap(([what, shape]) =>
    [...text.matchAll(shape)].map((match) => `${what} at offset ${match.index}`),
  );
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file` with `args` from the repository root; never throws on exit codes. */
async function runFile(file: string, args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, args, {
      cwd: REPO_ROOT,
      timeout: 90_000,
      // SMOKE_BASE_URL from the developer's shell must not redirect the test
      env: { ...process.env, SMOKE_BASE_URL: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

/**
 * Runs a TypeScript entry point with tsx, as `npm run smoke` and `npm run demo` do: workspace
 * packages (`@shardgate/client`) from their sources.
 */
const run = (script: string, args: string[]) =>
  runFile(TSX, ['--conditions=source', script, ...args]);

/** Runs `npm run <script> -- <args>`, the documented way. */
const npmRun = (script: string, args: string[]) => runFile('npm', ['run', script, '--', ...args]);

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The label (`ok`, `FAIL`, `skip`) of the text report's line for `check`. */
function labelOf(stdout: string, check: string): string | undefined {
  return new RegExp(`^  (ok|FAIL|skip) +${escapeRegExp(check)}(?: |$)`, 'm').exec(stdout)?.[1];
}

describe('npm run smoke', () => {
  it('passes every check against the gateway and says so in its JSON report', async () => {
    const result = await run('tests/smoke/cli.ts', ['--base-url', stack.gatewayUrl, '--json']);
    const report = JSON.parse(result.stdout) as JsonReport;
    const failures = report.checks.filter((c) => c.status !== 'ok');
    expect(failures, result.stdout).toEqual([]);
    expect(result.code).toBe(0);
    expect(report).toMatchObject({ ok: true, exitCode: 0, baseUrl: stack.gatewayUrl });
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'discovery: JWKS',
        'register a fresh user',
        'token: password grant (form)',
        'api: GET /api/me',
        'orders: create (Idempotency-Key replay)',
        'login: JSON',
        'refresh: rotation',
        'logout: token refused at /api',
        'refresh: reuse revokes the session',
      ]),
    );
    expect(secretShaped(result.stdout + result.stderr)).toEqual([]);
  });

  it('exits 1 naming the failing check against a server that answers, but not as the edge should', async () => {
    // the auth service itself: discovery, registration and tokens work, but it has no /api
    const result = await npmRun('smoke', ['--base-url', stack.authUrl]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const failing = 'api: GET /api/me';
    const at = SMOKE_CHECKS.findIndex((c) => c.name === failing);
    expect(at).toBeGreaterThan(0);
    for (const [i, check] of SMOKE_CHECKS.entries()) {
      const expected = i < at ? 'ok' : i === at ? 'FAIL' : 'skip';
      expect(labelOf(result.stdout, check.name), check.name).toBe(expected);
    }
    expect(result.stdout).toContain(`smoke: FAILED at "${failing}" against ${stack.authUrl}`);
    expect(result.stdout).toContain('expected 200, but GET /api/me answered 404');
    // an answer, however wrong, is not "nothing answers"
    expect(result.stdout).not.toContain('npm run up');
    expect(secretShaped(result.stdout + result.stderr)).toEqual([]);
  });

  it('exits 3 with a clear message where nothing listens', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const text = await run('tests/smoke/cli.ts', ['--base-url', url]);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain(`FAILED at "discovery: openid-configuration" against ${url}`);
    expect(text.stdout).toContain(`nothing answers at ${url}`);
    expect(text.stdout).toContain('npm run up');

    const json = await run('tests/smoke/cli.ts', ['--base-url', url, '--json']);
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout) as JsonReport;
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ status: 'fail', unreachable: true });
    expect(report.checks.slice(1).every((c) => c.status === 'skip')).toBe(true);
  });

  it('exits 2 without a base URL', async () => {
    const result = await run('tests/smoke/cli.ts', []);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--base-url is required');
  });

  it.each([
    [['--timeout', '0'], '0'],
    [['--timeout', '-5'], '-5'],
    [['--timeout=-0.5'], '-0.5'],
    [['--timeout', 'abc'], 'abc'],
    [['--timeout', ''], ''],
  ])('exits 2 on %j, before any request', async (option, value) => {
    const result = await run('tests/smoke/cli.ts', ['--base-url', stack.gatewayUrl, ...option]);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toContain(
      `--timeout takes a number of seconds greater than 0 and at most 3600, got "${value}"`,
    );
    expect(result.stdout).toBe('');
  });
});

describe('npm run demo', () => {
  it('narrates register → token → API call → refresh → logout, no secret printed', async () => {
    const result = await run('scripts/demo.ts', ['--base-url', stack.gatewayUrl]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const steps = [
      'POST /auth/register → 201',
      'POST /auth/token → 200',
      'GET /api/me → 200',
      'POST /api/orders → 201',
      'POST /auth/refresh → 200',
      'POST /auth/logout → 204',
      'GET /api/me → 401',
      'Done: register → token → API call → refresh → logout.',
    ];
    let at = 0;
    for (const line of steps) {
      const found = result.stdout.indexOf(line, at);
      expect(found, `"${line}" in order`).toBeGreaterThan(-1);
      at = found;
    }
    // an access token shows the start of its public header only; a refresh token nothing of itself
    expect(result.stdout).toMatch(/access_token: eyJhbGciOi…\(redacted\)/);
    const refreshLines = result.stdout.split('\n').filter((l) => l.includes('refresh_token:'));
    expect(refreshLines).toHaveLength(2); // from the token grant and from the refresh
    for (const line of refreshLines) {
      expect(line.trim()).toBe('refresh_token: (opaque, 43 chars, redacted)');
    }
    expect(secretShaped(result.stdout + result.stderr)).toEqual([]);
  });

  it('tells the user to run `npm run up` when nothing answers', async () => {
    const result = await run('scripts/demo.ts', [
      '--base-url',
      `http://127.0.0.1:${await freePort()}`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Run `npm run up` first');
  });
});
