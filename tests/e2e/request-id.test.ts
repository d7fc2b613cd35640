import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { send } from './support/gateway-client.js';
import { type LogLine, linesWithRequestId } from './support/service-logs.js';
import { newUser, type User } from './support/users.js';

/** Waits until both services have logged a line with `reqId`; returns them. */
async function logsOfRequest(reqId: string): Promise<{ auth: LogLine[]; api: LogLine[] }> {
  let found = undefined as { auth: LogLine[]; api: LogLine[] } | undefined;
  await eventually(
    async () => {
      const auth = linesWithRequestId('auth', reqId);
      const api = linesWithRequestId('api', reqId);
      if (auth.length > 0 && api.length > 0) found = { auth, api };
      return found !== undefined;
    },
    5000,
    `log lines with reqId ${reqId} from both the auth service and the API`,
  );
  if (!found) throw new Error('unreachable: eventually returned without a match');
  return found;
}

describe('one X-Request-ID follows a request through the gateway, /verify and the API', () => {
  let user: User;
  beforeAll(async () => {
    user = await newUser();
  });

  it("reuses the client's X-Request-ID verbatim in both services' logs and the answer", async () => {
    const reqId = `e2e-${randomUUID()}`;
    const res = await send('GET', '/api/me', {
      token: user.accessToken,
      headers: { 'X-Request-ID': reqId },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe(reqId);
    const { auth, api } = await logsOfRequest(reqId);
    expect(api).toEqual([expect.objectContaining({ route: '/api/me', status: 200 })]);
    expect(auth.length).toBeGreaterThan(0);
  });

  it('generates one when the client sends none, and both services log the same one', async () => {
    const res = await send('POST', '/api/orders', {
      token: user.accessToken,
      json: { items: [{ sku: 'REQ-ID', quantity: 1, unitPriceCents: 1 }], currency: 'EUR' },
    });
    expect(res.status).toBe(201);
    const reqId = String(res.headers['x-request-id']);
    expect(reqId).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id, as ingress-nginx makes it
    const { auth, api } = await logsOfRequest(reqId);
    expect(api).toEqual([expect.objectContaining({ route: '/api/orders', status: 201 })]);
    expect(auth.length).toBeGreaterThan(0);
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
    expect(linesWithRequestId('api', reqId)).toEqual([]);
  });
});
