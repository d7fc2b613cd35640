/**
 * What the smoke checks share: the client, the secrets to keep out of the output, the settings,
 * and what earlier checks learned (the user, the sessions, the order). Plus the small assertion
 * helpers the checks use, which fail with a message naming the request and its answer.
 */
import type { ShardgateClient, TokenStorage, WireResponse } from '@shardgate/client';
import { describeResponse } from '../../scripts/describe-response.js';
import type { Secrets } from '../../scripts/redact.js';

/** Settings of a smoke run that change what the checks expect. */
export interface SmokeSettings {
  /** How long after logout the access token may still pass the gateway. @default 1000 */
  readonly revocationDeadlineMs: number;
}

/** A token pair of one session, as `/auth/token`, `/auth/login` and `/auth/refresh` answer it. */
export interface Session {
  readonly access: string;
  readonly refresh: string;
}

/** What the checks learn, in order; a check reads only what an earlier one wrote. */
export interface SmokeState {
  jwksKids?: readonly string[];
  user?: { readonly id: string; readonly email: string; readonly password: string };
  /** The session of the OAuth2 password grant; logged out by the logout check. */
  formSession?: Session;
  /** The session of the JSON login; rotated, then revoked by the reuse check. */
  jsonSession?: Session;
  /** A refresh token the rotation check left two generations behind the session's head. */
  spentRefresh?: string;
  orderId?: string;
}

/** What {@link SmokeContext.connect} can change of a client. */
export interface ConnectOptions {
  /** The session's tokens. @default an empty memory storage */
  readonly storage?: TokenStorage;
  /** Sees every answer of this client, after the run's own tracing. */
  readonly onResponse?: (response: WireResponse) => void;
}

/** Everything a check gets. */
export interface SmokeContext {
  /**
   * The run's client (`@shardgate/client`), with no session of its own: the checks send the
   * tokens they mean to test explicitly (`auth: { bearer }`), so no refresh ever hides a refusal.
   */
  readonly client: ShardgateClient;
  /** Another client of the same edge and settings, e.g. with a session of its own. */
  readonly connect: (options?: ConnectOptions) => ShardgateClient;
  readonly secrets: Secrets;
  readonly settings: SmokeSettings;
  readonly state: SmokeState;
  /** Prints a progress line (e.g. before a long wait), so a slow check never looks hung. */
  readonly note: (line: string) => void;
}

/** A check whose expectation was not met; its message is what the report prints. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}

/** Fails the check with `message` unless `condition` holds. */
export function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

/** Fails unless the answer has the expected status; the message quotes the error code and detail. */
export function expectStatus(response: WireResponse, expected: number): void {
  if (response.status !== expected) {
    throw new CheckFailure(`expected ${expected}, but ${describeResponse(response)}`);
  }
}

/** The body as an object of unknown fields (an empty object when it is not JSON). */
export function fields(response: WireResponse): Record<string, unknown> {
  const body = response.body;
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

/** A value an earlier check stored; the runner skips later checks after a failure, so this is a bug guard. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new CheckFailure(`no ${what}: an earlier check did not run`);
  return value;
}
