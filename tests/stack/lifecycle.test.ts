import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/stack/layout.js';

/**
 * A third stack, apart from the development and test stacks, that this file starts and stops:
 * named after the test stack and 100 ports above it, so concurrent runs never share it.
 */
const OFFSET = Number(process.env.TEST_STACK_PORT_OFFSET ?? 100) + 100;
const env = {
  ...process.env,
  STACK_NAME: `${process.env.TEST_STACK_NAME || 'test'}-lifecycle`,
  STACK_PORT_OFFSET: String(OFFSET),
};
const cli = (command: string) =>
  spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/stack/cli.ts', command],
    {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
      timeout: 180_000,
    },
  );

const pidsOf = (statusOutput: string): Record<string, number> =>
  Object.fromEntries(
    statusOutput
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols.length >= 4 && /^\d+$/.test(cols[1] ?? ''))
      .map((cols) => [cols[0], Number(cols[1])]),
  );

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('npm run up / status / down', () => {
  // a failed assertion must not leave this stack running for the next run to trip over
  afterAll(() => {
    cli('down');
  });

  it('starts everything, is idempotent, and stops everything by pid', async () => {
    const first = cli('up');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Gateway: http://127.0.0.1:${8080 + OFFSET}`);

    const status = cli('status');
    expect(status.status, status.stdout).toBe(0);
    const pids = pidsOf(status.stdout);
    expect(Object.keys(pids).sort()).toEqual(
      [
        'api',
        'auth',
        'gateway',
        'mailpit',
        'pg-auth-primary',
        'pg-auth-replica',
        'pg-shard0-primary',
        'pg-shard0-replica',
        'pg-shard1-primary',
        'pg-shard1-replica',
        'prometheus',
        'redis',
      ].sort(),
    );
    expect(status.stdout).toMatch(
      new RegExp(`pg-shard1-primary\\s+\\d+\\s+${5437 + OFFSET}\\s+primary, standby streaming`),
    );

    const second = cli('up');
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain('redis: already running');
    expect(pidsOf(cli('status').stdout)).toEqual(pids);

    const stopped = cli('down');
    expect(stopped.status, stopped.stderr).toBe(0);
    for (const [id, pid] of Object.entries(pids))
      expect(alive(pid), `${id} (pid ${pid})`).toBe(false);
    for (const base of [
      8080, 4001, 4002, 6380, 9090, 1025, 8025, 5433, 5434, 5435, 5436, 5437, 5438,
    ]) {
      const port = base + OFFSET;
      expect(await listening(port), `port ${port}`).toBe(false);
    }
    const after = cli('status');
    expect(after.status).toBe(1);
    expect(after.stdout).not.toMatch(/healthy|streaming/);
  }, 240_000);
});
