import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { StorageClass } from 'kubernetes-models/storage.k8s.io/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { COREDNS_PLUGINS } from '../build/coredns.js';
import { networkPolicyArgs } from '../build/network-policy.js';
import { BUSYBOX_IMAGE } from '../images/busybox.js';
import { addonManifests, DEFAULT_LOCAL_PATH_ROOT } from './index.js';

// Rendered manifests go to the cache: keep the test's out of the real one.
const cache = mkdtempSync(join(tmpdir(), 'addons-test-'));
process.env.SHARDGATE_CACHE = cache;
afterAll(() => rmSync(cache, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noExplicitAny: manifests are arbitrary YAML; tests narrow them
type Loose = any;

const MODELS: Record<string, new (data: Loose) => { validate(): void }> = {
  ClusterRole,
  ClusterRoleBinding,
  ConfigMap,
  Deployment,
  Namespace,
  Role,
  RoleBinding,
  Service,
  ServiceAccount,
  StorageClass,
};

function load(file: string): Loose[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.join('; ')}`);
    return doc.toJS();
  });
}

function find(objects: Loose[], kind: string, name: string): Loose {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

describe('addonManifests', () => {
  it('lists the RBAC, CoreDNS and storage manifests in apply order', () => {
    expect(addonManifests().map((f) => basename(f))).toEqual([
      'network-policy-rbac.yaml',
      'coredns.yaml',
      'local-path-storage.yaml',
    ]);
  });

  it('holds only objects valid against the Kubernetes schemas', () => {
    for (const file of addonManifests()) {
      for (const object of load(file)) {
        const Model = MODELS[object.kind];
        if (!Model) throw new Error(`${basename(file)}: no schema for ${object.kind}`);
        expect(() => new Model(object).validate()).not.toThrow();
      }
    }
  });

  it('serves cluster DNS at 10.96.0.10:53 without a capability', () => {
    const objects = load(addonManifests()[1] ?? '');
    const service = find(objects, 'Service', 'kube-dns');
    expect(service.spec.clusterIP).toBe('10.96.0.10');
    expect(service.spec.ports.map((p: Loose) => `${p.port}/${p.protocol}`)).toEqual([
      '53/UDP',
      '53/TCP',
      '9153/TCP',
    ]);
    const pod = find(objects, 'Deployment', 'coredns').spec.template.spec;
    expect(pod.securityContext.sysctls).toEqual([
      { name: 'net.ipv4.ip_unprivileged_port_start', value: '53' },
    ]);
    expect(pod.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'] });
    const corefile: string = find(objects, 'ConfigMap', 'coredns').data.Corefile;
    expect(corefile).not.toMatch(/\bforward\b/);
  });

  it('names only directives our CoreDNS build links (its plugin set is cut to the Corefile)', () => {
    const objects = load(addonManifests()[1] ?? '');
    const corefile: string = find(objects, 'ConfigMap', 'coredns').data.Corefile;
    const directives = new Set<string>();
    let depth = 0;
    for (const line of corefile.split('\n')) {
      const word = line.trim().split(/\s+/)[0] ?? '';
      if (depth === 1 && word !== '' && word !== '}') directives.add(word);
      depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    }
    expect([...directives].sort()).toEqual(Object.keys(COREDNS_PLUGINS).sort());
  });

  it('makes `standard` the default StorageClass, bound on first consumer', () => {
    const storage = find(load(addonManifests()[2] ?? ''), 'StorageClass', 'standard');
    expect(storage.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe(
      'true',
    );
    expect(storage.volumeBindingMode).toBe('WaitForFirstConsumer');
    expect(storage.reclaimPolicy).toBe('Delete');
  });

  it('renders another volume root and helper image', () => {
    const file =
      addonManifests({ root: '/srv/volumes', helperImage: 'example.test/sh:1' })[2] ?? '';
    expect(file.startsWith(cache)).toBe(true);
    const config = find(load(file), 'ConfigMap', 'local-path-config').data;
    expect(JSON.parse(config['config.json']).nodePathMap[0].paths).toEqual(['/srv/volumes']);
    expect(config['helperPod.yaml']).toContain('image: example.test/sh:1');
    expect(config['helperPod.yaml']).not.toContain(BUSYBOX_IMAGE);
    expect(readFileSync(file, 'utf8')).not.toContain(DEFAULT_LOCAL_PATH_ROOT);
  });

  it('refuses a relative volume root', () => {
    expect(() => addonManifests({ root: 'volumes' })).toThrow(/absolute/);
  });
});

describe('networkPolicyArgs', () => {
  it('runs the firewall alone, for the Service CIDR, as the given node', () => {
    const args = networkPolicyArgs({ kubeconfig: '/k', nodeName: 'node-1' });
    expect(args).toEqual(
      expect.arrayContaining([
        '--kubeconfig=/k',
        '--run-firewall=true',
        '--run-router=false',
        '--run-service-proxy=false',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--hostname-override=node-1',
      ]),
    );
  });
});
