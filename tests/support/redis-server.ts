import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { eventually, freePort } from './wait.js';

/**
 * A Redis server of one test file's own (no password, no persistence), so that a test can kill
 * and restart it without disturbing the suites that share the test stack's Redis.
 */
export class PrivateRedis {
  #process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    /** A client for assertions; reconnects by itself across restarts. */
    readonly probe: Redis,
  ) {}

  /** Picks a free port and starts the server. */
  static async start(): Promise<PrivateRedis> {
    const port = await freePort();
    const probe = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 100,
    });
    probe.on('error', () => {});
    await probe.connect().catch(() => undefined);
    const redis = new PrivateRedis(port, probe);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) on the same port and waits until it answers. */
  async restart(): Promise<void> {
    this.#process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await eventually(async () => (await this.probe.ping()) === 'PONG', 10_000, 'redis to start');
  }

  /** Kills the server abruptly, as a crash would. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills the server and closes the probe. */
  async stop(): Promise<void> {
    this.probe.disconnect();
    await this.kill();
  }
}
