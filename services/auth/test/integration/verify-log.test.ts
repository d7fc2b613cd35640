import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, startAuthServer, type TestAuthServer } from '../support/auth-server.js';

/** The `/verify` lines the app logged for request id `reqId`, parsed. */
function verifyLines(server: TestAuthServer, reqId: string): Record<string, unknown>[] {
  return server.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === 'verify' && line.reqId === reqId);
}

/** One `/verify` check with a request id of its own; returns the id and the status. */
async function check(server: TestAuthServer, token: string): Promise<[string, number]> {
  const reqId = `log-${randomUUID()}`;
  const res = await call(server.url, 'GET', '/verify', {
    token,
    headers: { 'X-Request-ID': reqId },
  });
  return [reqId, res.status];
}

describe('/verify logs at the default LOG_LEVEL (info)', () => {
  let server: TestAuthServer;
  beforeAll(async () => {
    server = await startAuthServer({ LOG_LEVEL: 'info' });
  });
  afterAll(() => server.close());

  it('an allowed check writes no line (VERIFY_LOG_LEVEL defaults to debug)', async () => {
    const user = await newUser(server.url);
    const [reqId, status] = await check(server, user.accessToken);
    expect(status).toBe(200);
    expect(verifyLines(server, reqId)).toEqual([]);
  });

  it('a refusal writes one info line with the request id, status and outcome', async () => {
    const [reqId, status] = await check(server, 'not-a-token');
    expect(status).toBe(401);
    expect(verifyLines(server, reqId)).toEqual([
      expect.objectContaining({ level: 30, status: 401, outcome: 'invalid_token' }),
    ]);
  });
});

describe('/verify with VERIFY_LOG_LEVEL=info', () => {
  let server: TestAuthServer;
  beforeAll(async () => {
    server = await startAuthServer({ LOG_LEVEL: 'info', VERIFY_LOG_LEVEL: 'info' });
  });
  afterAll(() => server.close());

  it('an allowed check writes one info line naming the user', async () => {
    const user = await newUser(server.url);
    const [reqId, status] = await check(server, user.accessToken);
    expect(status).toBe(200);
    expect(verifyLines(server, reqId)).toEqual([
      expect.objectContaining({
        level: 30,
        status: 200,
        outcome: 'allowed',
        userId: Number(user.id),
      }),
    ]);
  });
});
