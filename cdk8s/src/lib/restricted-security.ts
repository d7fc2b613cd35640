import type { IContainer, IPodSecurityContext, ISecurityContext } from 'kubernetes-models/v1';

/** uid/gid of the `node` user of the shardgate images (see Dockerfile.auth / Dockerfile.api). */
export const NODE_UID = 1000;

/**
 * Pod-level settings of the Pod Security "restricted" profile. `fsGroup` makes mounted Secrets
 * and emptyDirs readable by the non-root user.
 */
export function restrictedPodSecurityContext(uid: number = NODE_UID): IPodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Container-level settings of the "restricted" profile, repeated on every container (not only
 * inherited from the pod) so each container passes the profile on its own, plus a read-only root
 * filesystem.
 */
export function restrictedContainerSecurityContext(uid: number = NODE_UID): ISecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Adds the restricted container security context to a container spec. */
export function restricted(container: IContainer, uid: number = NODE_UID): IContainer {
  return { ...container, securityContext: restrictedContainerSecurityContext(uid) };
}
