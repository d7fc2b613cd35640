import { performance } from 'node:perf_hooks';
import type { GatewayResponse, Send, SendOptions } from '../../e2e/support/gateway-client.js';

/** One request of the load and the statuses that count as success. */
export interface LoadCall {
  readonly name: string;
  readonly method: string;
  /** The request target and options of one request (called for each, so it may rotate users). */
  readonly request: () => { readonly path: string; readonly options?: SendOptions };
  readonly expect: readonly number[];
  /**
   * At most one of these in flight: a client that comes to it while another client's is
   * running goes on to its next call. For slow calls (a bcrypt login takes seconds on a starved
   * CPU) that would otherwise queue behind each other and crowd out the rest of the load.
   */
  readonly exclusive?: boolean;
}

/** A request without an answer after this long counts as failed (Traefik's dial timeout is 30 s). */
const REQUEST_TIMEOUT_MS = 45_000;

/** A request that failed: a status outside `expect`, or no answer at all. */
export interface LoadFailure {
  /** Milliseconds since the load started. */
  readonly at: number;
  readonly call: string;
  readonly status: number | 'no answer';
  readonly detail: string;
}

/** What a run of {@link SteadyLoad} did. */
export interface LoadReport {
  readonly requests: number;
  readonly failures: readonly LoadFailure[];
  /** Requests per call name. */
  readonly perCall: Readonly<Record<string, number>>;
  /** Answers per status (as text), `no answer` included. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly durationMs: number;
  /** Latency of the answered requests, in milliseconds. */
  readonly latency: { readonly p50: number; readonly p99: number; readonly max: number };
  /** The marks set with {@link SteadyLoad.mark}, in milliseconds since the start. */
  readonly marks: Readonly<Record<string, number>>;
}

/**
 * `clients` loops, each sending `calls` in turn (client `i` starts at call `i`) as fast as the
 * answers come, until {@link stop}: the steady load of tests/stack/rolling-restart.test.ts,
 * through a gateway. Every answer is checked against its call's expected statuses; nothing is
 * retried, so a failure is what a client would have seen.
 */
export class SteadyLoad {
  readonly #send: Send;
  readonly #calls: readonly LoadCall[];
  readonly #clients: number;
  readonly #failures: LoadFailure[] = [];
  readonly #perCall: Record<string, number> = {};
  readonly #statuses: Record<string, number> = {};
  readonly #latencies: number[] = [];
  readonly #marks: Record<string, number> = {};
  readonly #successes: { name: string; at: number }[] = [];
  readonly #inFlight = new Set<string>();
  #running = false;
  #started = 0;
  #loops: Promise<void>[] = [];

  constructor(send: Send, calls: readonly LoadCall[], clients = 4) {
    if (calls.length === 0) throw new Error('a load needs at least one call');
    this.#send = send;
    this.#calls = calls;
    this.#clients = clients;
  }

  /** Starts the clients. */
  start(): void {
    if (this.#running) throw new Error('the load is already running');
    this.#running = true;
    this.#started = performance.now();
    this.#loops = Array.from({ length: this.#clients }, (_, i) => this.#loop(i));
  }

  /** Milliseconds since {@link start}. */
  elapsed(): number {
    return performance.now() - this.#started;
  }

  /** Records that `label` happened now (e.g. "pod deleted"), for the report. */
  mark(label: string): void {
    this.#marks[label] = Math.round(this.elapsed());
  }

  /** Requests sent so far (answered or failed). */
  get requests(): number {
    return Object.values(this.#perCall).reduce((a, b) => a + b, 0);
  }

  /** Requests of the call named `name` that got an expected answer after `sinceMs`. */
  succeededSince(name: string, sinceMs: number): number {
    return this.#successes.filter((s) => s.name === name && s.at >= sinceMs).length;
  }

  /** Stops the clients, waits for their last requests and reports. */
  async stop(): Promise<LoadReport> {
    this.#running = false;
    await Promise.all(this.#loops);
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    const pick = (q: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
    return {
      requests: this.requests,
      failures: [...this.#failures],
      perCall: { ...this.#perCall },
      statuses: { ...this.#statuses },
      durationMs: Math.round(this.elapsed()),
      latency: { p50: pick(0.5), p99: pick(0.99), max: Math.round(sorted.at(-1) ?? 0) },
      marks: { ...this.#marks },
    };
  }

  async #loop(offset: number): Promise<void> {
    for (let i = offset; this.#running; i++) {
      const call = this.#calls[i % this.#calls.length] as LoadCall;
      if (call.exclusive) {
        if (this.#inFlight.has(call.name)) continue;
        this.#inFlight.add(call.name);
      }
      const at = this.elapsed();
      let res: GatewayResponse | undefined;
      let error: unknown;
      try {
        const { path, options } = call.request();
        res = await this.#send(call.method, path, { timeoutMs: REQUEST_TIMEOUT_MS, ...options });
      } catch (caught) {
        error = caught;
      } finally {
        if (call.exclusive) this.#inFlight.delete(call.name);
      }
      const status = res?.status ?? 'no answer';
      this.#perCall[call.name] = (this.#perCall[call.name] ?? 0) + 1;
      this.#statuses[String(status)] = (this.#statuses[String(status)] ?? 0) + 1;
      if (res) this.#latencies.push(this.elapsed() - at);
      if (res && call.expect.includes(res.status)) {
        this.#successes.push({ name: call.name, at });
      } else {
        this.#failures.push({
          at: Math.round(at),
          call: call.name,
          status,
          detail: res ? res.text.slice(0, 300) : String((error as Error)?.message ?? error),
        });
      }
    }
  }
}

/** The first failures of a report, one per line, for an assertion message. */
export function describeFailures(report: LoadReport, max = 10): string {
  const lines = report.failures
    .slice(0, max)
    .map((f) => `  at ${f.at} ms ${f.call}: ${f.status} ${f.detail}`);
  return [
    `${report.failures.length} of ${report.requests} requests failed in ${report.durationMs} ms; marks ${JSON.stringify(report.marks)}; statuses ${JSON.stringify(report.statuses)}`,
    ...lines,
  ].join('\n');
}
