import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../stack/layout.js';
import { normalizeImageRef, readManifestObjects } from './workloads.js';

describe('normalizeImageRef', () => {
  it('names Docker Hub images as containerd does', () => {
    expect(normalizeImageRef('postgres:15.20-bookworm')).toBe(
      'docker.io/library/postgres:15.20-bookworm',
    );
    expect(normalizeImageRef('shardgate/auth:0.1.0')).toBe('docker.io/shardgate/auth:0.1.0');
  });

  it('leaves references with a registry alone', () => {
    for (const ref of [
      'quay.io/prometheus/prometheus:v2.55.1',
      'registry.k8s.io/pause:3.10',
      'localhost/shardgate/auth:0.1.0',
      '127.0.0.1:5000/shardgate/api:1',
      'docker.io/library/traefik:v3.6.12',
    ]) {
      expect(normalizeImageRef(ref)).toBe(ref);
    }
  });
});

describe('readManifestObjects', () => {
  it('finds every container and initContainer image of the dev workloads', () => {
    const infrastructure = readManifestObjects(join(REPO_ROOT, 'k8s/dev/infrastructure.k8s.yaml'));
    const standby = infrastructure.find(
      (o) => o.kind === 'StatefulSet' && o.name === 'postgres-shard0-standby',
    );
    expect(standby?.kind).toBe('StatefulSet');
    // the prepare-data initContainer and the server, both from the same image
    expect(standby?.images).toEqual(['postgres:15.20-bookworm', 'postgres:15.20-bookworm']);
    const auth = readManifestObjects(join(REPO_ROOT, 'k8s/dev/auth.k8s.yaml'));
    expect(auth.find((o) => o.kind === 'Deployment')?.images).toEqual([
      'shardgate/auth:0.1.0',
      'shardgate/auth:0.1.0',
    ]);
    expect(auth.find((o) => o.kind === 'ConfigMap')?.images).toEqual([]);
  });

  it('keeps an explicit namespace and leaves it out otherwise', () => {
    const controller = readManifestObjects(join(REPO_ROOT, 'k8s/dev/ingress-controller.k8s.yaml'));
    expect(controller.find((o) => o.kind === 'Deployment')?.namespace).toBe('traefik');
    const namespaceObjects = readManifestObjects(join(REPO_ROOT, 'k8s/dev/namespace.k8s.yaml'));
    expect(namespaceObjects[0]?.namespace).toBeUndefined();
  });
});
