import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { send } from './support/gateway-client.js';
import { type LogLine, linesWithRequestId } from './support/service-logs.js';
import { newUser, type User } from './support/users.js';

/** Waits until the API has logged a line with `reqId`; returns its lines. */
async function apiLogOfRequest(reqId: string): Promise<LogLine[]> {
  let found: LogLine[] = [];
  await eventually(
    async () => {
      found = linesWithRequestId('api', reqId);
      return found.length > 0;
    },
    5000,
    `an API log line with reqId ${reqId}`,
  );
  return found;
}

describe('one X-Request-ID follows a request through the gateway into the log that decided it', () => {
  let user: User;
  beforeAll(async () => {
    user = await newUser();
  });

  it("reuses the client's X-Request-ID verbatim in the answer and the API's log", async () => {
    const reqId = `e2e-${randomUUID()}`;
    const res = await send('GET', '/api/me', {
      token: user.accessToken,
      headers: { 'X-Request-ID': reqId },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe(reqId);
    expect(await apiLogOfRequest(reqId)).toEqual([
      expect.objectContaining({ route: '/api/me', status: 200 }),
    ]);
    // an allowed check's line is at VERIFY_LOG_LEVEL, `debug` by default: not in this log, even
    // once the auth service's buffered stdout has been flushed (every 250 ms)
    await sleep(600);
    expect(linesWithRequestId('auth', reqId)).toEqual([]);
  });

  it('generates one when the client sends none, answers it, and the API logs that one', async () => {
    const res = await send('POST', '/api/orders', {
      token: user.accessToken,
      json: { items: [{ sku: 'REQ-ID', quantity: 1, unitPriceCents: 1 }], currency: 'EUR' },
    });
    expect(res.status).toBe(201);
    const reqId = String(res.headers['x-request-id']);
    expect(reqId).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id, as ingress-nginx makes it
    expect(await apiLogOfRequest(reqId)).toEqual([
      expect.objectContaining({ route: '/api/orders', status: 201 }),
    ]);
  });

  it('a denied request is traced the same way: the id reaches /verify, not the API', async () => {
    const reqId = `e2e-denied-${randomUUID()}`;
    const res = await send('GET', '/api/me', {
      headers: { authorization: 'Bearer not-a-token', 'X-Request-ID': reqId },
    });
    expect(res.status).toBe(401);
    await eventually(
      async () => linesWithRequestId('auth', reqId).length > 0,
      5000,
      `an auth log line with reqId ${reqId}`,
    );
    expect(linesWithRequestId('auth', reqId)).toEqual([
      expect.objectContaining({ level: 30, msg: 'verify', status: 401, outcome: 'invalid_token' }),
    ]);
    expect(linesWithRequestId('api', reqId)).toEqual([]);
  });
});
