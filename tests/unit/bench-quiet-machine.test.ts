import { describe, expect, it } from 'vitest';
import { type LoadSample, loadBetween, loadSample } from '../../bench/lib/quiet-machine.js';

/**
 * The benchmark's check for a quiet machine (bench/lib/quiet-machine.ts): the busy share of all
 * cores between two samples of /proc, and the processes that used most of it.
 */
const sample = (
  busy: number,
  total: number,
  processes: [number, string, number][],
): LoadSample => ({
  machineBusy: busy,
  machineTotal: total,
  processes: new Map(processes.map(([pid, name, ticks]) => [pid, { name, ticks }])),
});

describe('loadBetween', () => {
  it('gives the busy share of all cores and the busiest processes first', () => {
    const before = sample(1_000, 10_000, [
      [1, 'init', 5],
      [200, 'kube-apiserver', 100],
      [300, 'etcd', 50],
    ]);
    // 2 s on 2 cores: 400 ticks in all, 100 of them busy
    const after = sample(1_100, 10_400, [
      [1, 'init', 5],
      [200, 'kube-apiserver', 160],
      [300, 'etcd', 70],
    ]);
    const report = loadBetween(before, after, 2);
    expect(report.busy).toBeCloseTo(0.25);
    expect(report.top).toEqual([
      { pid: 200, name: 'kube-apiserver', share: 0.3 },
      { pid: 300, name: 'etcd', share: 0.1 },
    ]);
  });

  it('charges a process that started between the samples with all its CPU time', () => {
    const report = loadBetween(sample(0, 100, []), sample(50, 300, [[400, 'wrk', 50]]), 1);
    expect(report.top).toEqual([{ pid: 400, name: 'wrk', share: 0.5 }]);
    expect(report.busy).toBeCloseTo(0.25);
  });
});

describe('loadSample', () => {
  it('reads this machine: counters that grow, and this process among the processes', () => {
    const first = loadSample();
    const second = loadSample();
    expect(second.machineTotal).toBeGreaterThanOrEqual(first.machineTotal);
    expect(first.machineTotal).toBeGreaterThan(0);
    expect(first.processes.get(process.pid)?.ticks).toBeGreaterThanOrEqual(0);
  });
});
