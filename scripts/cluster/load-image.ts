import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeImageRef } from './deploy/workloads.js';
import { importImages } from './node/containerd.js';
import { podman } from './podman.js';

/**
 * Copies an image from podman's storage into the node's containerd: what `kind load docker-image`
 * does for kind. Tilt's image builds on the `shardgate-local` context end with it, since the node
 * can pull from no registry. Returns true when the node's copy changed.
 *
 * podman names an unqualified `shardgate/auth:x` `localhost/shardgate/auth:x`, while the kubelet
 * asks containerd for `docker.io/shardgate/auth:x`; the image is tagged with the latter first.
 */
export async function loadImageIntoNode(
  containerdSocket: string,
  ledgerPath: string,
  ref: string,
): Promise<boolean> {
  const nodeRef = normalizeImageRef(ref);
  if (nodeRef !== ref) await podman(['tag', ref, nodeRef]);
  const dir = mkdtempSync(join(tmpdir(), 'shardgate-load-'));
  try {
    const archive = join(dir, 'image.tar');
    await podman(['save', '--format', 'docker-archive', '--output', archive, nodeRef]);
    const changed = await importImages(containerdSocket, [{ ref: nodeRef, archive }], ledgerPath);
    return changed.size > 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
