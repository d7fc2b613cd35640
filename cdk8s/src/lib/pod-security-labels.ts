/**
 * Labels that make Pod Security admission enforce the "restricted" profile on a namespace (and
 * warn and audit on it), so the cluster itself refuses any pod the manifest tests would refuse.
 */
export function restrictedNamespaceLabels(): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/audit': 'restricted',
  };
}
