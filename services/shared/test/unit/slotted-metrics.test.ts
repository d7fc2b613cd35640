import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SlottedCounter, SlottedHistogram } from '../../src/slotted-metrics.js';

/** The registry's text exposition, as Prometheus scrapes it, without the HELP and TYPE lines. */
async function exposition(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((line) => line && !line.startsWith('#'));
}

const BUCKETS = [0.001, 0.01, 0.1];

describe('SlottedCounter', () => {
  it('exposes what count() added exactly as prom-client exposes what inc() added', async () => {
    const slotted = new Registry();
    const plain = new Registry();
    const labelNames = ['method', 'route', 'status'] as const;
    const fast = new SlottedCounter({ name: 'req', help: 'h', labelNames, registers: [slotted] });
    const reference = new Counter({ name: 'req', help: 'h', labelNames, registers: [plain] });
    const calls: Array<[string, string, number]> = [
      ['GET', '/verify', 200],
      ['GET', '/verify', 200],
      ['GET', '/verify', 401],
      ['POST', '/auth/token', 200],
      ['GET', '/verify', 200],
    ];
    for (const [method, route, status] of calls) {
      fast.count(method, route, status);
      reference.inc({ method, route, status: String(status) });
    }
    expect(await exposition(slotted)).toEqual(await exposition(plain));
    // a second scrape adds only what came after the first
    fast.count('GET', '/verify', 401, 3);
    reference.inc({ method: 'GET', route: '/verify', status: '401' }, 3);
    expect(await exposition(slotted)).toEqual(await exposition(plain));
    expect(await exposition(slotted)).toContain('req{method="GET",route="/verify",status="401"} 4');
  });

  it('keeps one series for a label value given as a number and as a string', async () => {
    const registry = new Registry();
    const counter = new SlottedCounter({
      name: 'by_status',
      help: 'h',
      labelNames: ['status'],
      registers: [registry],
    });
    counter.count(200);
    counter.count('200');
    expect(await exposition(registry)).toEqual(['by_status{status="200"} 2']);
  });

  it('refuses a missing label value, and more labels than it supports', () => {
    const counter = new SlottedCounter({ name: 'two', help: 'h', labelNames: ['a', 'b'] });
    expect(() => counter.count('x')).toThrow(/no value for the label b/);
    expect(
      () => new SlottedCounter({ name: 'four', help: 'h', labelNames: ['a', 'b', 'c', 'd'] }),
    ).toThrow(RangeError);
  });

  it('forgets pending counts on reset', async () => {
    const registry = new Registry();
    const counter = new SlottedCounter({
      name: 'r',
      help: 'h',
      labelNames: ['x'],
      registers: [registry],
    });
    counter.count('a');
    registry.resetMetrics();
    counter.count('b');
    expect(await exposition(registry)).toEqual(['r{x="b"} 1']);
  });
});

describe('SlottedHistogram', () => {
  it('exposes what observeAt() counted exactly as prom-client exposes what observe() counted', async () => {
    const slotted = new Registry();
    const plain = new Registry();
    const labelNames = ['method', 'route'] as const;
    const fast = new SlottedHistogram({
      name: 'dur',
      help: 'h',
      labelNames,
      buckets: BUCKETS,
      registers: [slotted],
    });
    const reference = new Histogram({
      name: 'dur',
      help: 'h',
      labelNames,
      buckets: BUCKETS,
      registers: [plain],
    });
    // below, on and between the bounds, and above the last one
    const observations: Array<[number, string, string]> = [
      [0.0004, 'GET', '/verify'],
      [0.001, 'GET', '/verify'],
      [0.005, 'GET', '/verify'],
      [0.25, 'GET', '/verify'],
      [0.02, 'POST', '/auth/token'],
    ];
    for (const [seconds, method, route] of observations) {
      fast.observeAt(seconds, method, route);
      reference.observe({ method, route }, seconds);
    }
    expect(await exposition(slotted)).toEqual(await exposition(plain));
    expect(await exposition(slotted)).toContain(
      'dur_bucket{le="0.001",method="GET",route="/verify"} 2',
    );
    // get() (the other way to read a metric) sees the slots too
    const counts = (await fast.get()).values.filter((v) => v.metricName === 'dur_count');
    expect(counts.map((v) => [v.labels.route, v.value])).toEqual([
      ['/verify', 4],
      ['/auth/token', 1],
    ]);
  });

  it("adds a label set's slot to prom-client's own series of the same labels", async () => {
    const registry = new Registry();
    const histogram = new SlottedHistogram({
      name: 'mixed',
      help: 'h',
      labelNames: ['route'],
      buckets: BUCKETS,
      registers: [registry],
    });
    histogram.observe({ route: '/a' }, 0.005);
    histogram.observeAt(0.05, '/a');
    const lines = await exposition(registry);
    expect(lines).toContain('mixed_count{route="/a"} 2');
    expect(lines).toContain('mixed_bucket{le="0.01",route="/a"} 1');
    expect(lines.filter((line) => line.startsWith('mixed_count'))).toHaveLength(1);
  });

  it('refuses an observation that is not a finite number', () => {
    const histogram = new SlottedHistogram({
      name: 'nan',
      help: 'h',
      labelNames: ['x'],
      buckets: BUCKETS,
    });
    expect(() => histogram.observeAt(Number.NaN, 'a')).toThrow(TypeError);
  });
});
