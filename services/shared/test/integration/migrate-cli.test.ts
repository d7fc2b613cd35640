import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../../../scripts/stack/layout.js';
import { freePort } from '../../../../tests/support/wait.js';
import { createScratchDatabase, writeMigrations } from './scratch-database.js';

const stack = inject('stack');
const tsx = join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs');
const cli = join(REPO_ROOT, 'services/shared/src/migrate/cli.ts');
const migrate = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [tsx, cli, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });

describe('shardgate-migrate', () => {
  it('migrates every database in DATABASE_URLS and never prints a password', async () => {
    const urls = [
      await createScratchDatabase(stack.pg.shard0.primary),
      await createScratchDatabase(stack.pg.shard1.primary),
    ];
    const dir = writeMigrations({ '1_init': 'CREATE TABLE t (id INTEGER);\n' });
    const result = migrate([dir], { DATABASE_URLS: urls.join(',') });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.match(/applied 1_init on/g)).toHaveLength(2);
    expect(result.stdout + result.stderr).not.toContain(new URL(urls[0] as string).password);
  });

  it('exits 1 with the refusal reason, and 2 with usage when misused', async () => {
    const url = await createScratchDatabase(stack.pg.auth.primary);
    const failing = migrate([writeMigrations({ '1_bad': 'SELEC 1;\n' })], { DATABASE_URLS: url });
    expect(failing.status).toBe(1);
    expect(failing.stderr).toMatch(
      /migration refused \(migration_failed\): Migration 1_bad failed/,
    );
    const usage = migrate([], { DATABASE_URLS: '' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('usage:');
  });

  it('keeps trying a database that is not reachable yet, then migrates it', async () => {
    const url = new URL(await createScratchDatabase(stack.pg.shard0.primary));
    const target = { host: url.hostname, port: Number(url.port) };
    const port = await freePort();
    url.port = String(port);
    const dir = writeMigrations({ '1_init': 'CREATE TABLE t (id INTEGER);\n' });
    const child = spawn(process.execPath, [tsx, cli, '--connect-timeout', '60', dir], {
      env: { ...process.env, DATABASE_URLS: url.toString() },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Nothing listens for the first attempts: they are refused, as a NetworkPolicy enforcer that
    // has not yet admitted a new pod refuses them.
    await sleep(2_500);
    const proxy = await tcpProxy(port, target);
    try {
      expect(await exited, output).toBe(0);
      expect(output).toContain('applied 1_init on');
    } finally {
      proxy.close();
    }
  });

  it('gives up on an unreachable database after --connect-timeout, naming it', () => {
    const started = Date.now();
    const result = migrate(['--connect-timeout', '2', writeMigrations({ '1_x': 'SELECT 1;\n' })], {
      DATABASE_URLS: 'postgresql://app:secret@127.0.0.1:1/orders',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /migration refused \(unreachable\): 127\.0\.0\.1:1\/orders was not reachable within 2 s/,
    );
    expect(result.stderr).not.toContain('secret');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    const usage = migrate(['--wait', '--connect-timeout', '2', 'x'], {
      DATABASE_URLS: 'postgresql://x@h/d',
    });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('--connect-timeout applies to migrating');
  });
});

/** A TCP proxy on 127.0.0.1:`port` to `target`, started late on purpose. */
function tcpProxy(port: number, target: { host: string; port: number }): Promise<Server> {
  const server = createServer((socket) => {
    const upstream = connect(target);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
