import { describe, expect, inject, it } from 'vitest';
import { SMOKE_CHECKS } from '../smoke/checks.js';
import { runChecks } from '../smoke/runner.js';
import { createSmokeContext } from '../smoke/smoke-context.js';

/**
 * `npm run smoke` against Traefik, in-process: the same checks, in the same order.
 */
describe('npm run smoke, through Traefik', () => {
  it('passes every check', async () => {
    const { gatewayUrl } = inject('cluster');
    const notes: string[] = [];
    const ctx = createSmokeContext({ baseUrl: gatewayUrl, note: (line) => notes.push(line) });
    const results = await runChecks(SMOKE_CHECKS, ctx);
    expect(results.map((r) => r.name)).toEqual(SMOKE_CHECKS.map((c) => c.name));
    expect(
      results.filter((r) => r.status !== 'ok'),
      results.map((r) => `${r.status} ${r.name} ${r.error ?? ''}`).join('\n'),
    ).toEqual([]);
  }, 90_000);
});
