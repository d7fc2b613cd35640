/**
 * The smoke CLI and the demo, run as the user runs them (child processes through tsx) against the
 * test stack's gateway: the smoke suite passes, fails clearly where nothing listens, and the demo
 * narrates every step without ever printing a whole token.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/stack/layout.js';
import type { JsonReport } from '../smoke/report.js';
import { freePort } from '../support/wait.js';

const stack = inject('stack');
const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a TypeScript entry point with tsx from the repository root; never throws on exit codes. */
async function run(script: string, args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [script, ...args], {
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
    expect(result.stdout + result.stderr).not.toMatch(JWT);
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
});

describe('npm run demo', () => {
  it('narrates register → token → API call → refresh → logout, tokens truncated', async () => {
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
    expect(result.stdout).toMatch(/access_token: eyJ[\w-]{7}…\(redacted\)/);
    expect(result.stdout + result.stderr).not.toMatch(JWT);
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
