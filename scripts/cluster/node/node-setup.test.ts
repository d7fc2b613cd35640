/**
 * The node's configuration, written for real into a scratch state folder (certificates by the
 * real openssl): every file a component's command line names exists, the kubelet and CNI settings
 * agree with the cluster's network layout, and every certificate chains to the cluster's CA with
 * the identity its component needs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ClusterLayout, clusterLayout, NETWORK, NODE_NAME } from '../layout.js';
import { networkPolicyComponent, nodeComponents } from './components.js';
import { nodePaths, SANDBOX_IMAGE, writeNodeConfig } from './node-config.js';
import { CLIENT_IDENTITIES, type ClientIdentity, createPki, writeKubeconfig } from './pki.js';

let root: string;
let layout: ClusterLayout;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'node-setup-'));
  layout = clusterLayout({
    SHARDGATE_CLUSTER_DIR: join(root, 'state'),
    SHARDGATE_CLUSTER_RUN_DIR: join(root, 'run'),
  });
  const paths = nodePaths(layout);
  await createPki(layout.pkiDir);
  for (const identity of Object.keys(CLIENT_IDENTITIES) as ClientIdentity[]) {
    writeKubeconfig(layout.pkiDir, identity, join(paths.kubeconfigDir, `${identity}.kubeconfig`));
  }
  writeNodeConfig(layout, paths);
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });

describe('the node setup', () => {
  it('gives every component the files its command line names', () => {
    const binaries = { etcd: '/bin/etcd', kubernetesDir: '/bin/k8s' };
    const enforcer = {
      binary: '/bin/kube-router',
      args: (kubeconfig: string) => [`--kubeconfig=${kubeconfig}`],
    };
    const components = [
      ...nodeComponents(layout, nodePaths(layout), binaries),
      networkPolicyComponent(layout, enforcer),
    ];
    // Folders a component creates itself (data, root and log folders) are not inputs.
    const created = new Set(['--data-dir', '--root-dir']);
    const inputs = components.flatMap((c) =>
      c.argv
        .map((arg) => /^(--[\w-]+)=(\/.+)$/.exec(arg))
        .filter((m): m is RegExpExecArray => m !== null && !created.has(m[1] as string))
        .filter((m) => (m[2] as string).startsWith(layout.stateDir))
        .map((m) => `${c.name} ${m[1]}=${m[2]}`),
    );
    expect(inputs.length).toBeGreaterThan(20);
    const missing = inputs.filter((input) => !existsSync(input.split('=')[1] as string));
    expect(missing).toEqual([]);
  });

  it('configures the kubelet for this node, its CA and the cluster DNS, and nothing anonymous', () => {
    const kubelet = parse(readFileSync(nodePaths(layout).kubeletConfig, 'utf8'));
    expect(kubelet).toMatchObject({
      address: NETWORK.nodeAddress,
      readOnlyPort: 0,
      cgroupDriver: 'cgroupfs',
      clusterDNS: [NETWORK.clusterDns],
      clusterDomain: NETWORK.clusterDomain,
      authentication: { anonymous: { enabled: false }, webhook: { enabled: true } },
      authorization: { mode: 'Webhook' },
      imageGCHighThresholdPercent: 100,
    });
    expect(readFileSync(kubelet.resolvConf, 'utf8')).not.toMatch(/nameserver/);
  });

  it('gives the pods one bridge on the node range, and containerd the sandbox image', () => {
    const cni = JSON.parse(
      readFileSync(join(nodePaths(layout).cniConfDir, '10-shardgate.conflist'), 'utf8'),
    );
    const bridge = cni.plugins.find((p: { type: string }) => p.type === 'bridge');
    expect(bridge.ipMasq).toBe(false);
    expect(bridge.ipam.ranges).toEqual([[{ subnet: NETWORK.nodePodCidr }]]);
    const containerd = readFileSync(nodePaths(layout).containerdConfig, 'utf8');
    expect(containerd).toContain(`sandbox_image = "${SANDBOX_IMAGE}"`);
    expect(containerd).toContain('restrict_oom_score_adj = true');
    expect(containerd).toContain(`address = ${JSON.stringify(nodePaths(layout).containerdSocket)}`);
  });

  it('signs every certificate with the cluster CA, for the names and groups each needs', () => {
    const ca = join(layout.pkiDir, 'ca.crt');
    for (const name of ['apiserver', 'kubelet-serving', ...Object.keys(CLIENT_IDENTITIES)]) {
      expect(openssl('verify', '-CAfile', ca, join(layout.pkiDir, `${name}.crt`))).toContain(
        ': OK',
      );
    }
    const apiserver = openssl(
      'x509',
      '-noout',
      '-ext',
      'subjectAltName',
      '-in',
      join(layout.pkiDir, 'apiserver.crt'),
    );
    for (const name of [
      NETWORK.nodeAddress,
      NETWORK.apiServiceAddress,
      'kubernetes.default.svc.cluster.local',
    ]) {
      expect(apiserver).toContain(name);
    }
    const kubelet = openssl(
      'x509',
      '-noout',
      '-subject',
      '-in',
      join(layout.pkiDir, 'kubelet.crt'),
    );
    expect(kubelet).toMatch(new RegExp(`O ?= ?system:nodes, CN ?= ?system:node:${NODE_NAME}`));
    const proxy = openssl(
      'x509',
      '-noout',
      '-ext',
      'extendedKeyUsage',
      '-in',
      join(layout.pkiDir, 'kube-proxy.crt'),
    );
    expect(proxy).toContain('TLS Web Client Authentication');
    expect(proxy).not.toContain('Server');
  });

  it('keeps private keys to their owner', () => {
    for (const key of ['ca.key', 'apiserver.key', 'admin.key', 'service-accounts.key']) {
      const mode = execFileSync('stat', ['-c', '%a', join(layout.pkiDir, key)], {
        encoding: 'utf8',
      });
      expect(mode.trim(), key).toBe('600');
    }
  });

  it('writes self-contained kubeconfigs with the shardgate-local context', () => {
    const config = parse(
      readFileSync(join(nodePaths(layout).kubeconfigDir, 'kubelet.kubeconfig'), 'utf8'),
    );
    expect(config['current-context']).toBe('shardgate-local');
    expect(config.users[0].name).toBe(`system:node:${NODE_NAME}`);
    expect(config.clusters[0].cluster.server).toBe(
      `https://${NETWORK.nodeAddress}:${NETWORK.apiServerPort}`,
    );
    expect(Buffer.from(config.users[0].user['client-key-data'], 'base64').toString()).toContain(
      'PRIVATE KEY',
    );
  });
});
