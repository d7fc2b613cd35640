import { describe, expect, it } from 'vitest';
import { inNamespace } from '../../scripts/cluster/kube-client.js';

describe('inNamespace: the namespace a KubeClient call runs in', () => {
  it('puts the client’s namespace in front when the call names none', () => {
    expect(inNamespace(['get', 'pods'], 'shardgate')).toEqual(['-n', 'shardgate', 'get', 'pods']);
  });

  it.each([
    [['get', 'pods', '-n', 'kube-system']],
    [['get', 'pods', '--namespace', 'kube-system']],
    [['get', 'pods', '--namespace=kube-system']],
    [['get', 'pods', '-A']],
    [['get', 'pods', '--all-namespaces']],
  ])('leaves %j as it is: kubectl’s own flags name the namespace', (args) => {
    expect(inNamespace(args, 'shardgate')).toEqual(args);
  });

  it('does not read the flags of the command `kubectl exec` runs', () => {
    const args = ['exec', 'pod-0', '--', 'pg_dump', '-n', 'public'];
    expect(inNamespace(args, 'shardgate')).toEqual(['-n', 'shardgate', ...args]);
  });
});
