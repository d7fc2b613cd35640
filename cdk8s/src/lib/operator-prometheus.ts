import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1';
import { PROMETHEUS_NAME } from '../constructs/dev-prometheus.js';
import type { MonitoringSettings } from '../environments.js';
import { LABEL_NAME } from '../names.js';

/**
 * The Prometheus pods of the operator's monitoring namespace (kube-prometheus-stack's), as a
 * NetworkPolicy peer: that namespace and those pods only. Shared by every metrics port of the app
 * (the services' and Traefik's), so one setting admits the same scraper everywhere.
 * @returns no peer when no namespace is configured
 * @throws Error when `namespaceLabels` or `podLabels` is empty: an empty selector matches every
 * namespace (or pod)
 */
export function operatorPrometheus(
  monitoring: MonitoringSettings | undefined,
): INetworkPolicyPeer[] {
  const namespaceLabels = monitoring?.namespaceLabels;
  if (!namespaceLabels) return [];
  const podLabels = monitoring.podLabels ?? { [LABEL_NAME]: PROMETHEUS_NAME };
  if (Object.keys(namespaceLabels).length === 0 || Object.keys(podLabels).length === 0) {
    throw new Error(
      'monitoring.namespaceLabels and monitoring.podLabels must not be empty: an empty selector admits every namespace or pod',
    );
  }
  return [
    {
      namespaceSelector: { matchLabels: { ...namespaceLabels } },
      podSelector: { matchLabels: { ...podLabels } },
    },
  ];
}
