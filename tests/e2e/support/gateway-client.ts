import { randomInt } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import { inject } from 'vitest';
import { AUTH_RESPONSE_HEADERS } from '../../../cdk8s/src/names.js';

/** One answer of the gateway, read whole. */
export interface GatewayResponse {
  readonly status: number;
  /** Lower-case names, as node:http gives them. */
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
  readonly body: any;
}

/** What to send with {@link send}. */
export interface SendOptions {
  /** A JSON body (sets `Content-Type: application/json`). */
  readonly json?: unknown;
  /** A form body (`application/x-www-form-urlencoded`), as `/auth/token` wants. */
  readonly form?: Record<string, string>;
  /** A raw body, sent as it is (its type, if any, in `headers`): malformed JSON, say. */
  readonly body?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Any other headers, sent exactly as given (they override the ones above); a list repeats one. */
  readonly headers?: Record<string, string | string[]>;
  /**
   * The local address to connect from (any of 127.0.0.0/8): the gateway sees it as the client's
   * address (`$remote_addr`), so each simulated client has its own rate-limit counters.
   */
  readonly from?: string;
  /** Another gateway to send to (a test's own); the client's own gateway by default. */
  readonly gatewayUrl?: string;
  /** Give up after this long without an answer. @default 30000 */
  readonly timeoutMs?: number;
}

/** Sends one request to a gateway: {@link send} (the test stack's) or a {@link gatewayClient}. */
export type Send = (
  method: string,
  path: string,
  options?: SendOptions,
) => Promise<GatewayResponse>;

/**
 * A {@link Send} bound to the gateway at `baseUrl` (e.g. a port-forward to a cluster's ingress
 * controller), which `options.gatewayUrl` still overrides per request.
 */
export function gatewayClient(baseUrl: string): Send {
  return (method, path, options = {}) =>
    sendTo(options.gatewayUrl ?? baseUrl, method, path, options);
}

/**
 * Sends one request to the test stack's gateway (`inject('stack')`); see {@link sendTo}.
 */
export function send(
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<GatewayResponse> {
  return sendTo(options.gatewayUrl ?? inject('stack').gatewayUrl, method, path, options);
}

/**
 * Sends one request to the gateway at `gatewayUrl` with `path` exactly as given: node:http writes
 * the request target verbatim, where `fetch` would normalise `/api/../auth/me` or `//api/me` first.
 */
export function sendTo(
  gatewayUrl: string,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<GatewayResponse> {
  const gateway = new URL(gatewayUrl);
  const headers: Record<string, string | string[]> = {};
  let payload: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(options.form).toString();
  } else if (options.body !== undefined) {
    payload = options.body;
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  Object.assign(headers, options.headers);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: gateway.hostname,
        port: Number(gateway.port),
        method,
        path,
        headers,
        ...(options.from !== undefined ? { localAddress: options.from } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      },
    );
    req.on('error', reject);
    const timeoutMs = options.timeoutMs ?? 30_000;
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)),
    );
    req.end(payload);
  });
}

/**
 * A loopback address other than 127.0.0.1 for one simulated client. The gateway listens on
 * 127.0.0.1 and Linux routes all of 127.0.0.0/8 locally, so connecting from here makes the
 * gateway (and, through its X-Forwarded-For, the auth service) see a distinct client.
 *
 * Not `randomIp` of services/auth/test/support/auth-server.ts: that one returns a 10.x.y.z
 * address which the in-process auth tests only write into an `X-Forwarded-For` header. Here the
 * address must be one this machine can connect *from* (a local socket address), because the
 * gateway sets X-Forwarded-For from `$remote_addr` and ignores what the client sends.
 */
export function newClientAddress(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

/** The identity headers `/verify` hands to the gateway; none may ever reach a client. */
export const IDENTITY_HEADERS = AUTH_RESPONSE_HEADERS.map((name) => name.toLowerCase());
