import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { runCommand } from '../command.js';

/** `ctr` against the node's containerd, in the namespace the kubelet's CRI uses. */
export function ctr(socket: string, args: readonly string[]) {
  return runCommand('ctr', [`--address=${socket}`, '--namespace=k8s.io', ...args]);
}

/** The image references containerd holds for the kubelet, each with its manifest digest. */
export async function nodeImageDigests(socket: string): Promise<Map<string, string>> {
  const { stdout } = await ctr(socket, ['images', 'list']);
  const digests = new Map<string, string>();
  for (const line of stdout.split('\n').slice(1)) {
    const [ref, , digest] = line.trim().split(/\s+/);
    if (ref && digest?.startsWith('sha256:')) digests.set(ref, digest);
  }
  return digests;
}

/** The image references containerd holds for the kubelet. */
export async function nodeImages(socket: string): Promise<Set<string>> {
  return new Set((await nodeImageDigests(socket)).keys());
}

/**
 * Imports image archives (docker-archive tars) into the node's containerd: what `kind load
 * image-archive` does for a kind node. No registry is reachable, so this is the only way an image
 * reaches the kubelet. An archive already imported (same path, size and time, recorded in
 * `ledgerPath`) whose image the node still holds is skipped. Returns the references whose content
 * changed (new, or another digest under the same name).
 */
export async function importImages(
  socket: string,
  images: readonly { ref: string; archive: string }[],
  ledgerPath: string,
): Promise<Set<string>> {
  const before = await nodeImageDigests(socket);
  const ledger: Record<string, string> = existsSync(ledgerPath)
    ? (JSON.parse(readFileSync(ledgerPath, 'utf8')) as Record<string, string>)
    : {};
  const changed = new Set<string>();
  for (const image of images) {
    const { size, mtimeMs } = statSync(image.archive);
    const identity = `${image.archive}:${size}:${mtimeMs}`;
    if (before.has(image.ref) && ledger[image.ref] === identity) continue;
    await ctr(socket, ['images', 'import', image.archive]);
    const digest = (await nodeImageDigests(socket)).get(image.ref);
    if (!digest) {
      throw new Error(`importing ${image.archive} did not give containerd the image ${image.ref}`);
    }
    if (digest !== before.get(image.ref)) changed.add(image.ref);
    ledger[image.ref] = identity;
    writeFileSync(ledgerPath, `${JSON.stringify(ledger, null, 2)}\n`);
  }
  return changed;
}

/**
 * Kills every container the node runs and deletes their tasks, so that their shims exit: the
 * first step of `down`, after the kubelet has stopped (it would start them again).
 */
export async function killAllContainers(socket: string): Promise<void> {
  const { stdout } = await ctr(socket, ['tasks', 'list']).catch(() => ({ stdout: '' }));
  const ids = stdout
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((id): id is string => Boolean(id));
  for (const id of ids) {
    await ctr(socket, ['tasks', 'kill', '--signal', 'SIGKILL', '--all', id]).catch(() => undefined);
  }
  for (const id of ids) {
    await ctr(socket, ['tasks', 'delete', '--force', id]).catch(() => undefined);
  }
}
