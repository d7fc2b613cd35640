import { describe, expect, it } from 'vitest';
import { call, startApiServer } from '../support/api-server.js';

describe('GET /healthz and /readyz on the API', () => {
  it('answer 200 while running, and readiness turns 503 once shutdown begins while liveness stays 200', async () => {
    const api = await startApiServer();
    try {
      expect((await call(api.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
      const ready = await call(api.url, 'GET', '/readyz');
      expect([ready.status, ready.body]).toEqual([200, { status: 'ready' }]);
      expect(ready.headers.get('cache-control')).toBe('no-store');

      api.deps.lifecycle.beginShutdown();
      const draining = await call(api.url, 'GET', '/readyz');
      expect([draining.status, draining.body]).toEqual([503, { status: 'shutting down' }]);
      expect((await call(api.url, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
