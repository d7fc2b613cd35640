/**
 * NetworkPolicy evaluation (ingress only), enough for the selectors the app writes: would the
 * policies of a namespace let one pod open a TCP connection to another on a port?
 */
import type { K8sObject } from './k8s-manifests.js';

/** A Kubernetes label selector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** True when `labels` satisfy `selector` (an empty selector matches everything). */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    const value = labels[key];
    const ok =
      operator === 'In'
        ? has && values.includes(value as string)
        : operator === 'NotIn'
          ? !has || !values.includes(value as string)
          : operator === 'Exists'
            ? has
            : operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/** A pod as the evaluator sees it. */
export interface PodRef {
  namespace: string;
  /** Labels of the pod's namespace (at least `kubernetes.io/metadata.name`). */
  namespaceLabels: Record<string, string>;
  labels: Record<string, string>;
  /** Named container ports, for policies that name ports. */
  ports?: Record<string, number>;
}

/** A namespace's labels as the API server sets them. */
export const namespaceLabels = (name: string) => ({ 'kubernetes.io/metadata.name': name });

/**
 * Would the NetworkPolicies let `from` open a TCP connection to `to` on `port`? A pod no Ingress
 * policy selects accepts everything; a selected pod accepts what at least one rule of one
 * selecting policy allows.
 */
export function ingressAllowed(
  policies: readonly K8sObject[],
  from: PodRef,
  to: PodRef,
  port: number,
): boolean {
  const selecting = policies.filter(
    (p) =>
      (p.metadata.namespace ?? 'default') === to.namespace &&
      ((p.spec?.policyTypes as string[] | undefined) ?? ['Ingress']).includes('Ingress') &&
      selectorMatches(p.spec?.podSelector ?? {}, to.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    ((policy.spec?.ingress ?? []) as IngressRule[]).some(
      (rule) => peersMatch(rule.from, policy, from) && portsMatch(rule.ports, to, port),
    ),
  );
}

interface IngressRule {
  from?: {
    podSelector?: LabelSelector;
    namespaceSelector?: LabelSelector;
    ipBlock?: unknown;
  }[];
  ports?: { protocol?: string; port?: number | string; endPort?: number }[];
}

function peersMatch(peers: IngressRule['from'], policy: K8sObject, from: PodRef): boolean {
  if (!peers || peers.length === 0) return true;
  return peers.some((peer) => {
    if (peer.ipBlock) return false; // pod-to-pod traffic is judged by the selectors
    const nsOk = peer.namespaceSelector
      ? selectorMatches(peer.namespaceSelector, from.namespaceLabels)
      : from.namespace === (policy.metadata.namespace ?? 'default');
    const podOk = peer.podSelector ? selectorMatches(peer.podSelector, from.labels) : true;
    return nsOk && podOk;
  });
}

function portsMatch(ports: IngressRule['ports'], to: PodRef, port: number): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== 'TCP') return false;
    if (p.port === undefined) return true;
    const number = typeof p.port === 'number' ? p.port : to.ports?.[p.port];
    if (number === undefined) return false;
    return p.endPort ? port >= number && port <= p.endPort : port === number;
  });
}
