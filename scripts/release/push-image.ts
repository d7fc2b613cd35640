import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIGEST_PATTERN } from '../../cdk8s/src/lib/release-settings.js';
import { runCommand } from '../cluster/command.js';
import { podman } from '../cluster/podman.js';

/** How the registry is reached. */
export interface RegistryAccess {
  /**
   * `false` lets podman and skopeo talk plain HTTP (and skip certificate checks): their own
   * `--tls-verify=false`, which the release script accepts for a loopback registry only.
   */
  readonly tlsVerify: boolean;
}

/** True for a registry on this machine's loopback, the only one plain HTTP is allowed to. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * Pushes `ref` (`registry/repository/name:tag`) from podman's storage and returns the digest the
 * registry reports for that tag, read back with `skopeo inspect` (the same credentials as
 * podman: `podman login` first). Rejects when it differs from the digest podman says it pushed:
 * someone else's push to the same tag in between, or a registry that rewrote the manifest.
 */
export async function pushImage(ref: string, access: RegistryAccess): Promise<string> {
  const tls = `--tls-verify=${access.tlsVerify}`;
  const dir = mkdtempSync(join(tmpdir(), 'shardgate-push-'));
  try {
    const digestFile = join(dir, 'digest');
    await podman(['push', tls, '--digestfile', digestFile, ref]);
    const pushed = readFileSync(digestFile, 'utf8').trim();
    const { stdout } = await runCommand('skopeo', [
      'inspect',
      tls,
      '--format',
      '{{.Digest}}',
      `docker://${ref}`,
    ]);
    const reported = stdout.trim();
    if (!DIGEST_PATTERN.test(reported)) {
      throw new Error(`${ref}: the registry reports the digest "${reported}", not a sha256 digest`);
    }
    if (reported !== pushed) {
      throw new Error(
        `${ref}: podman pushed ${pushed}, but the registry now serves ${reported} under that tag`,
      );
    }
    return reported;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
