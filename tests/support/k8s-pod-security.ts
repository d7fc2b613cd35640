/**
 * Pod checks of the manifest tests: Pod Security Standards "restricted", requests and limits on
 * every container, pinned images. Each returns the problems it finds (empty when fine).
 */
import type { PodSpec } from './k8s-manifests.js';

const ALLOWED_VOLUME_TYPES = new Set([
  'name',
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/**
 * Pod Security Standards "restricted" (Kubernetes v1.30+): no host namespaces, only the volume
 * types it allows, and on every container (each checked with the pod-level fallback the admission
 * controller applies) runAsNonRoot, a non-zero runAsUser, allowPrivilegeEscalation false,
 * capabilities dropping ALL (adding at most NET_BIND_SERVICE), a RuntimeDefault or Localhost
 * seccomp profile. We also require the pod-level settings themselves and a read-only root
 * filesystem on every container.
 */
export function restrictedProblems(where: string, pod: PodSpec): string[] {
  const problems: string[] = [];
  const podSc = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push(`${where}: host namespaces`);
  if (podSc.runAsNonRoot !== true) problems.push(`${where}: pod runAsNonRoot is not true`);
  if (podSc.seccompProfile?.type !== 'RuntimeDefault') {
    problems.push(`${where}: pod seccompProfile is not RuntimeDefault`);
  }
  if (podSc.runAsUser === 0) problems.push(`${where}: pod runAsUser 0`);
  for (const volume of pod.volumes ?? []) {
    for (const key of Object.keys(volume)) {
      if (!ALLOWED_VOLUME_TYPES.has(key)) problems.push(`${where}: volume type ${key}`);
    }
  }
  const containers = [...(pod.initContainers ?? []), ...pod.containers];
  if (containers.length === 0) problems.push(`${where}: no containers`);
  for (const c of containers) {
    const at = `${where} container ${c.name}`;
    const sc = c.securityContext;
    if (!sc) {
      problems.push(`${at}: no securityContext`);
      continue;
    }
    if (sc.runAsNonRoot !== true) problems.push(`${at}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) problems.push(`${at}: runAsUser 0`);
    if (sc.privileged) problems.push(`${at}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: root filesystem is writable`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${at}: does not drop ALL`);
    const added = (sc.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0) problems.push(`${at}: adds capabilities ${added.join(',')}`);
    if (sc.seccompProfile?.type !== 'RuntimeDefault') {
      problems.push(`${at}: seccompProfile is not RuntimeDefault`);
    }
  }
  return problems;
}

/** Every container must request and limit both cpu and memory. */
export function resourceProblems(where: string, pod: PodSpec): string[] {
  const problems: string[] = [];
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    for (const kind of ['requests', 'limits'] as const) {
      const keys = Object.keys(c.resources?.[kind] ?? {}).sort();
      if (keys.join(',') !== 'cpu,memory') {
        problems.push(`${where} container ${c.name}: resources.${kind} is {${keys.join(',')}}`);
      }
    }
  }
  return problems;
}

/** An image must carry an explicit tag (or digest) that is not `latest`. */
export function imageProblems(image: string | undefined): string[] {
  if (!image) return ['no image'];
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return [];
  // The tag is after the last colon that comes after the last slash (a registry port is not one).
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.lastIndexOf(':') + 1) : '';
  if (tag === '') return [`${image}: no tag`];
  if (tag === 'latest') return [`${image}: tag latest`];
  return [];
}
