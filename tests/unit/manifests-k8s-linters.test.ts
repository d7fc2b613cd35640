import { describe, expect, it } from 'vitest';
import { AUTH_URL, AUTH_HEADERS as HEADERS } from '../support/k8s-environment.js';
import {
  authCacheDurationProblems,
  authResponseHeadersProblems,
  authUrlProblems,
  nginxAnnotationProblems,
} from '../support/k8s-ingress-nginx.js';
import type { K8sObject, PodSpec } from '../support/k8s-manifests.js';
import {
  ingressAllowed,
  namespaceLabels as nsLabels,
  type PodRef,
  selectorMatches,
} from '../support/k8s-network-policy.js';
import {
  imageProblems,
  resourceProblems,
  restrictedProblems,
} from '../support/k8s-pod-security.js';

// The checkers the manifest tests rely on must reject what they are there to catch; otherwise a
// passing manifest test would prove nothing.

describe('the manifest linters reject bad input', () => {
  it('auth-url: ingress-nginx refuses %, @, ;, quotes and URLs without scheme or host', () => {
    expect(authUrlProblems(AUTH_URL)).toEqual([]);
    for (const bad of [
      'http://auth:8080/verify?x=%41',
      'http://user@auth:8080/verify',
      'http://auth:8080/verify;rm',
      'http://auth:8080/"verify"',
      "http://auth:8080/'verify'",
      'auth.shardgate.svc:8080/verify',
      'http:///verify',
      'http://auth..svc/verify',
      'http://$host/verify',
    ]) {
      expect(authUrlProblems(bad), bad).not.toEqual([]);
    }
  });

  it('auth-response-headers: every name must match ^[A-Za-z0-9_-]+$', () => {
    expect(authResponseHeadersProblems(HEADERS)).toEqual([]);
    expect(authResponseHeadersProblems('X-User-Id, X-User-Email')).toEqual([]);
    for (const bad of ['X-User-Id;X-Evil', 'X-User.Id', 'X-User-Id,X-"Role"', 'X-Üser']) {
      expect(authResponseHeadersProblems(bad), bad).not.toEqual([]);
    }
  });

  it('auth-cache-duration: codes before a time, a time required', () => {
    expect(authCacheDurationProblems('200 202 401 5m')).toEqual([]);
    expect(authCacheDurationProblems('200 5s, 401 1s')).toEqual([]);
    for (const bad of ['5m 200', '200 202', 'forever', '200;5m']) {
      expect(authCacheDurationProblems(bad), bad).not.toEqual([]);
    }
  });

  it('annotations: snippets and unknown nginx annotations are refused', () => {
    expect(
      nginxAnnotationProblems({ 'nginx.ingress.kubernetes.io/auth-snippet': 'return 200;' }),
    ).not.toEqual([]);
    expect(
      nginxAnnotationProblems({ 'nginx.ingress.kubernetes.io/configuration-snippet': 'x' }),
    ).not.toEqual([]);
    expect(
      nginxAnnotationProblems({ 'nginx.ingress.kubernetes.io/rewrite-target': '/' }),
    ).not.toEqual([]);
    expect(
      nginxAnnotationProblems({ 'nginx.ingress.kubernetes.io/proxy-body-size': '1m' }),
    ).toEqual([]);
    expect(
      nginxAnnotationProblems({ 'nginx.ingress.kubernetes.io/auth-method': 'FETCH' }),
    ).not.toEqual([]);
  });

  it('images: untagged and latest are refused, a registry port is not a tag', () => {
    expect(imageProblems('shardgate/api:0.1.0')).toEqual([]);
    expect(imageProblems(`postgres@sha256:${'a'.repeat(64)}`)).toEqual([]);
    for (const bad of ['postgres', 'postgres:latest', 'registry:5000/postgres', undefined]) {
      expect(imageProblems(bad), String(bad)).not.toEqual([]);
    }
  });

  it('pods: the restricted profile and resources are enforced per container', () => {
    const good: PodSpec = {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'c',
          securityContext: {
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          resources: { requests: { cpu: '1', memory: '1Mi' }, limits: { cpu: '1', memory: '1Mi' } },
        },
      ],
    };
    expect(restrictedProblems('good', good)).toEqual([]);
    expect(resourceProblems('good', good)).toEqual([]);
    const c = good.containers[0] as PodSpec['containers'][number];
    const variants: PodSpec[] = [
      { ...good, hostNetwork: true },
      { ...good, securityContext: {} },
      { ...good, volumes: [{ name: 'h', hostPath: { path: '/' } }] },
      { ...good, containers: [{ ...c, securityContext: undefined }] },
      { ...good, containers: [{ ...c, securityContext: { ...c.securityContext, runAsUser: 0 } }] },
      {
        ...good,
        containers: [
          { ...c, securityContext: { ...c.securityContext, allowPrivilegeEscalation: true } },
        ],
      },
      {
        ...good,
        containers: [{ ...c, securityContext: { ...c.securityContext, capabilities: {} } }],
      },
      {
        ...good,
        initContainers: [
          { ...c, securityContext: { ...c.securityContext, readOnlyRootFilesystem: false } },
        ],
      },
    ];
    for (const bad of variants) expect(restrictedProblems('bad', bad)).not.toEqual([]);
    expect(
      resourceProblems('bad', { containers: [{ ...c, resources: { requests: { cpu: '1' } } }] }),
    ).not.toEqual([]);
  });

  it('NetworkPolicy evaluation: unselected pods are open, selected ones closed but for rules', () => {
    const policy = (spec: unknown): K8sObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p', namespace: 'n' },
      spec,
    });
    const pod = (labels: Record<string, string>, namespace = 'n'): PodRef => ({
      namespace,
      namespaceLabels: nsLabels(namespace),
      labels,
      ports: { http: 80 },
    });
    const a = pod({ app: 'a' });
    const b = pod({ app: 'b' });
    const only = policy({
      podSelector: { matchLabels: { app: 'b' } },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ port: 'http' }] },
      ],
    });
    expect(ingressAllowed([], a, b, 80)).toBe(true);
    expect(ingressAllowed([only], a, b, 80)).toBe(true);
    expect(ingressAllowed([only], a, b, 81)).toBe(false);
    expect(ingressAllowed([only], b, b, 80)).toBe(false);
    expect(ingressAllowed([only], pod({ app: 'a' }, 'other'), b, 80)).toBe(false);
    expect(ingressAllowed([only], b, a, 80)).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['x'] }] }, {}),
    ).toBe(false);
  });
});
