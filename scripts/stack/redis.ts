import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { StackLayout } from './layout.js';
import type { StackSecrets } from './state.js';

/** The Redis URL the services use. */
export function redisUrl(layout: StackLayout, secrets: StackSecrets): string {
  return `redis://:${secrets.redisPassword}@127.0.0.1:${layout.ports.redis}/0`;
}

/**
 * Writes the Redis configuration and returns the command that runs it. The password lives in the
 * 0600 config file, not on the command line where `ps` would show it. No persistence: the stack's
 * Redis is a cache and a rate-limit store, both rebuilt from Postgres or harmlessly lost.
 */
export function redisCommand(layout: StackLayout, secrets: StackSecrets): [string, string[]] {
  const dir = join(layout.dir, 'redis');
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'redis.conf');
  writeFileSync(
    conf,
    [
      `port ${layout.ports.redis}`,
      'bind 127.0.0.1',
      'protected-mode yes',
      `requirepass ${secrets.redisPassword}`,
      `dir ${dir}`,
      'save ""',
      'appendonly no',
      'daemonize no',
      'maxmemory 256mb',
      'maxmemory-policy allkeys-lru',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return ['redis-server', [conf]];
}

/** Sends AUTH and PING over a raw socket; true when Redis answers PONG. */
export function redisPing(port: number, password: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('+PONG')) done(true);
      else if (reply.includes('-')) done(false);
    });
    socket.once('connect', () => {
      socket.write(`AUTH ${password}\r\nPING\r\n`);
    });
  });
}
