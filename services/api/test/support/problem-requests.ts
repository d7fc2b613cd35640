import {
  type Answer,
  type Probe as AnyProbe,
  sendProbe as sendAnyProbe,
} from '../../../../tests/support/problem-probes.js';
import type { TestApiServer } from './api-server.js';
import { freshUserId, tokenFor } from './api-server.js';

export type { Payload } from '../../../../tests/support/hostile-bodies.js';
export {
  type Answer,
  expectProblem,
  notAProblem,
  serverErrorFor,
  serverErrors,
} from '../../../../tests/support/problem-probes.js';

/** A user of a hostile-input suite: id and token. */
export interface User {
  readonly id: number;
  readonly token: string;
}

/** A user never seen before (of the given id parity, so on a chosen shard), with a token. */
export async function newUser(parity?: 'even' | 'odd'): Promise<User> {
  const id = freshUserId(parity);
  return { id, token: await tokenFor(id) };
}

/** One request to the API: method, path, and optionally a body, its type and more headers. */
export interface Probe extends Omit<AnyProbe, 'method' | 'token'> {
  readonly method: 'GET' | 'POST' | 'PATCH';
}

/** Sends `probe` to `api` as `who` (a Bearer token) and reads the whole answer. */
export function sendProbe(api: TestApiServer, who: User, probe: Probe): Promise<Answer> {
  return sendAnyProbe(api, { ...probe, token: who.token });
}
