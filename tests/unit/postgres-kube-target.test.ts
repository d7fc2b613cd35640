import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveKubeTarget } from '../../scripts/postgres/kube-target.js';

/**
 * Which kubectl and kubeconfig `db:failover` and `db:restore` use (scripts/postgres/kube-target.ts):
 * flags, then the environment, then the local cluster's kubeconfig when it exists, then kubectl's
 * own defaults. The local cluster's branch is given a kubectl flag, so no cluster is built here.
 */
const dir = mkdtempSync(join(tmpdir(), 'kube-target-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const existing = join(dir, 'admin.kubeconfig');
writeFileSync(existing, 'apiVersion: v1\nkind: Config\n');
const missing = join(dir, 'no-such.kubeconfig');

describe('resolveKubeTarget', () => {
  it.each([
    {
      what: 'the flags over the environment',
      flags: { kubectl: '/opt/kubectl', kubeconfig: '/etc/flag.kubeconfig' },
      expected: { kubectl: '/opt/kubectl', kubeconfig: '/etc/flag.kubeconfig' },
    },
    {
      what: 'KUBECTL and KUBECONFIG over the local cluster',
      flags: {},
      expected: { kubectl: '/env/kubectl', kubeconfig: '/env.kubeconfig' },
    },
  ])('takes $what', async ({ flags, expected }) => {
    const env = { KUBECTL: '/env/kubectl', KUBECONFIG: '/env.kubeconfig' };
    const target = await resolveKubeTarget({ namespace: 'ns1', ...flags }, env, existing);
    expect(target).toEqual({ namespace: 'ns1', ...expected });
  });

  it("uses the local cluster's kubeconfig when nothing names one and it exists", async () => {
    const target = await resolveKubeTarget(
      { namespace: 'shardgate', kubectl: '/opt/kubectl' },
      {},
      existing,
    );
    expect(target.kubeconfig).toBe(existing);
  });

  it("falls back to kubectl on the PATH with kubectl's own kubeconfig", async () => {
    const target = await resolveKubeTarget({ namespace: 'shardgate' }, {}, missing);
    expect(target).toEqual({ namespace: 'shardgate', kubectl: 'kubectl' });
  });
});
