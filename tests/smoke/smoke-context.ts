/**
 * Builds the {@link SmokeContext} of a run: the SDK client bound to the edge, with the run's
 * timeout and request tracing. Used by the CLI and by the cluster suite, which runs the same
 * checks in-process.
 */
import { createShardgateClient, type WireResponse } from '@shardgate/client';
import { Secrets } from '../../scripts/redact.js';
import type { ConnectOptions, SmokeContext, SmokeSettings } from './context.js';

/** Settings of {@link createSmokeContext}. */
export interface SmokeContextOptions {
  /** The edge: the local gateway or an ingress behind a port-forward. */
  readonly baseUrl: string;
  /** Per-request limit in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /** Called after every answer (the CLI's `--verbose`). */
  readonly trace?: (response: WireResponse) => void;
  /** Where progress lines go. @default nowhere */
  readonly note?: (line: string) => void;
  /** @default { revocationDeadlineMs: 1000 } */
  readonly settings?: SmokeSettings;
}

/**
 * A fresh context for one run.
 * @throws TypeError when the base URL is malformed or not http(s), before any request.
 */
export function createSmokeContext(options: SmokeContextOptions): SmokeContext {
  const connect = (extra: ConnectOptions = {}) =>
    createShardgateClient({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(extra.storage ? { storage: extra.storage } : {}),
      onResponse: (response) => {
        options.trace?.(response);
        extra.onResponse?.(response);
      },
    });
  return {
    client: connect(),
    connect,
    secrets: new Secrets(),
    settings: options.settings ?? { revocationDeadlineMs: 1000 },
    state: {},
    note: options.note ?? (() => {}),
  };
}
