/**
 * A light, paced load on `GET /verify` that records the latency of every request: the
 * login-storm benchmark's measuring instrument. Runs as its own process so that the storm's
 * clients in the driver never delay its timers.
 *
 *   node --import tsx bench/lib/verify-probe.ts <config.json>
 *
 * config: { url, tokensFile, concurrency, ratePerSecond, durationMs }. `concurrency` workers
 * each send one request at a time over a kept-alive connection, paced so that all together send
 * `ratePerSecond` (a late worker sends at once, without catching up on missed slots). Prints
 * one JSON line: counts, statuses, and latency percentiles in milliseconds.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentiles } from './stats.js';

export interface ProbeConfig {
  readonly url: string;
  readonly tokensFile: string;
  readonly concurrency: number;
  readonly ratePerSecond: number;
  readonly durationMs: number;
}

export interface ProbeResult {
  readonly requests: number;
  readonly non200: number;
  readonly errors: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: ReturnType<typeof percentiles>;
}

async function main(): Promise<void> {
  const configFile = process.argv[2];
  if (!configFile) throw new Error('usage: verify-probe.ts <config.json>');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as ProbeConfig;
  const tokens = JSON.parse(readFileSync(config.tokensFile, 'utf8')) as string[];
  const url = new URL(config.url);
  const agent = new Agent({ keepAlive: true, maxSockets: config.concurrency });
  const latencies: number[] = [];
  let non200 = 0;
  let errors = 0;
  let next = 0;

  const once = (token: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          agent,
          headers: { authorization: `Bearer ${token}` },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });

  const intervalMs = (1000 * config.concurrency) / config.ratePerSecond;
  const started = performance.now();
  const end = started + config.durationMs;
  const worker = async (index: number) => {
    // spread the workers' first requests over one interval
    let due = started + (intervalMs * index) / config.concurrency;
    while (due < end) {
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const token = tokens[next++ % tokens.length] as string;
      const t0 = performance.now();
      try {
        const status = await once(token);
        latencies.push(performance.now() - t0);
        if (status !== 200) non200++;
      } catch {
        errors++;
      }
      due = Math.max(due + intervalMs, performance.now());
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, (_, i) => worker(i)));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const result: ProbeResult = {
    requests: latencies.length + errors,
    non200,
    errors,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    latencyMs: percentiles(latencies),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
