import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dev } from '../../cdk8s/src/environments.js';
import { slotWalKeepWithin } from '../../cdk8s/src/lib/postgres-sizing.js';
import {
  bcryptThreadsWithin,
  nodeHeapOptionsWithin,
} from '../../cdk8s/src/lib/service-definitions.js';
import { manifestNodeOptions } from '../../scripts/stack/manifest-node-options.js';

const root = resolve(import.meta.dirname, '../..');

describe('bcryptThreadsWithin', () => {
  it('keeps one whole core of the limit for the event loop, and at least one thread', () => {
    expect(bcryptThreadsWithin('2')).toBe(1);
    expect(bcryptThreadsWithin('4')).toBe(3);
    expect(bcryptThreadsWithin(3)).toBe(2);
    expect(bcryptThreadsWithin('2500m')).toBe(1);
    expect(bcryptThreadsWithin('500m')).toBe(1);
  });

  it('refuses a container without a limit, and what is not a CPU quantity', () => {
    expect(() => bcryptThreadsWithin(undefined)).toThrow('needs a CPU limit');
    expect(() => bcryptThreadsWithin('two')).toThrow('not a CPU quantity');
    expect(() => bcryptThreadsWithin('0')).toThrow('not a CPU quantity');
  });
});

describe('nodeHeapOptionsWithin', () => {
  it('gives the old generation half the memory limit and the young generation the semi-spaces asked', () => {
    expect(nodeHeapOptionsWithin('256Mi', 8)).toBe(
      '--max-old-space-size=128 --max-semi-space-size=8',
    );
    expect(nodeHeapOptionsWithin('256Mi', 32)).toBe(
      '--max-old-space-size=128 --max-semi-space-size=32',
    );
    expect(nodeHeapOptionsWithin('1Gi', 8)).toBe(
      '--max-old-space-size=512 --max-semi-space-size=8',
    );
    expect(nodeHeapOptionsWithin('500M', 8)).toBe(
      '--max-old-space-size=238 --max-semi-space-size=8',
    );
    expect(nodeHeapOptionsWithin(String(512 * 2 ** 20), 8)).toBe(
      '--max-old-space-size=256 --max-semi-space-size=8',
    );
  });

  it('refuses a container without a limit, a limit too small for Node, and what does not fit', () => {
    expect(() => nodeHeapOptionsWithin(undefined, 8)).toThrow('needs a memory limit');
    expect(() => nodeHeapOptionsWithin('64Mi', 8)).toThrow('128Mi or more');
    expect(() => nodeHeapOptionsWithin('lots', 8)).toThrow('128Mi or more');
    expect(() => nodeHeapOptionsWithin('1Ti', 8)).toThrow('128Mi or more');
    expect(() => nodeHeapOptionsWithin('256Mi', 64)).toThrow('do not fit');
    expect(() => nodeHeapOptionsWithin('256Mi', 0)).toThrow('do not fit');
  });
});

describe('slotWalKeepWithin', () => {
  it('lets a standby that is away hold at most a quarter of the primary’s volume in WAL', () => {
    expect(slotWalKeepWithin('1Gi')).toBe('256MB');
    expect(slotWalKeepWithin('20Gi')).toBe('5120MB');
    expect(slotWalKeepWithin('512Mi')).toBe('128MB');
    for (const bad of ['1G', '100', '', '1.5Gi']) expect(() => slotWalKeepWithin(bad)).toThrow();
  });
});

describe('manifestNodeOptions', () => {
  it('gives the local stack the heap the dev manifests give each service’s pod', () => {
    const limits = (service: 'auth' | 'api') => dev.services[service].resources.limits?.memory;
    expect(manifestNodeOptions(root, 'auth')).toBe(nodeHeapOptionsWithin(limits('auth'), 8));
    expect(manifestNodeOptions(root, 'api')).toBe(nodeHeapOptionsWithin(limits('api'), 32));
  });

  it('refuses manifests whose ConfigMap sets none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'node-options-'));
    try {
      mkdirSync(join(dir, 'k8s', 'dev'), { recursive: true });
      writeFileSync(
        join(dir, 'k8s', 'dev', 'auth.k8s.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: auth-config\ndata:\n  LOG_LEVEL: info\n',
      );
      expect(() => manifestNodeOptions(dir, 'auth')).toThrow('sets no NODE_OPTIONS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
