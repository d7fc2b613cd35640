import { describe, expect, inject, it } from 'vitest';
import { SMOKE_CHECKS } from '../smoke/checks.js';
import { Secrets, SmokeClient } from '../smoke/client.js';
import type { SmokeContext } from '../smoke/context.js';
import { runChecks } from '../smoke/runner.js';

/**
 * `npm run smoke` against Traefik, in-process: the same checks, in the same order.
 */
describe('npm run smoke, through Traefik', () => {
  it('passes every check', async () => {
    const { gatewayUrl } = inject('cluster');
    const notes: string[] = [];
    const ctx: SmokeContext = {
      client: new SmokeClient({ baseUrl: gatewayUrl }),
      secrets: new Secrets(),
      settings: { revocationDeadlineMs: 1000 },
      state: {},
      note: (line) => notes.push(line),
    };
    const results = await runChecks(SMOKE_CHECKS, ctx);
    expect(results.map((r) => r.name)).toEqual(SMOKE_CHECKS.map((c) => c.name));
    expect(
      results.filter((r) => r.status !== 'ok'),
      results.map((r) => `${r.status} ${r.name} ${r.error ?? ''}`).join('\n'),
    ).toEqual([]);
  }, 90_000);
});
