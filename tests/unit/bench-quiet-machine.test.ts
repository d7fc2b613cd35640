import { describe, expect, it } from 'vitest';
import { cpuSnapshot, cpuUsage } from '../../bench/lib/machine.js';
import { busiest } from '../../bench/lib/quiet-machine.js';

/**
 * The benchmark's check for a quiet machine (bench/lib/quiet-machine.ts): which processes it names
 * when the machine is busy, from the CPU usage bench/lib/machine.ts measures.
 */
describe('busiest', () => {
  it('names the processes above 1 % of a core, busiest first, at most five', () => {
    const usage = {
      machineBusy: 0.6,
      processes: { 1: 0.005, 200: 0.3, 300: 0.1, 400: 0.9, 500: 0.02, 600: 0.05, 700: 0.04 },
    };
    expect(busiest(usage)).toEqual([
      { pid: 400, share: 0.9 },
      { pid: 200, share: 0.3 },
      { pid: 300, share: 0.1 },
      { pid: 600, share: 0.05 },
      { pid: 700, share: 0.04 },
    ]);
  });

  it('names nobody on an idle machine', () => {
    expect(busiest({ machineBusy: 0.01, processes: { 1: 0, 2: 0.009 } })).toEqual([]);
  });

  it('finds this process while it spins, from two snapshots of /proc', () => {
    const before = cpuSnapshot([process.pid]);
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // burn CPU for the snapshot to see
    }
    const usage = cpuUsage(before, cpuSnapshot([process.pid]));
    expect(busiest(usage)[0]?.pid).toBe(process.pid);
    expect(usage.machineBusy).toBeGreaterThan(0);
  });
});
