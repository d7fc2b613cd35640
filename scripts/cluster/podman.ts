import { existsSync } from 'node:fs';
import { type CommandOptions, type CommandResult, runCommand } from './command.js';

/**
 * Global flags of every podman call. runc, because crun refuses cgroup v1 in hybrid mode; explicit
 * ulimits below the hard limits, because the defaults raise them, which needs CAP_SYS_RESOURCE.
 */
const GLOBAL_FLAGS = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];
/** Flags of every command that starts a container (`run`, and each `RUN` step of `build`). */
export const ULIMIT_FLAGS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000'];

/** Runs `podman <args>` with this machine's required flags. */
export function podman(args: readonly string[], options?: CommandOptions): Promise<CommandResult> {
  return runCommand('podman', [...GLOBAL_FLAGS, ...args], options);
}

/** True when podman's storage holds `ref`. */
export async function hasImage(ref: string): Promise<boolean> {
  try {
    await podman(['image', 'exists', ref]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The CA bundle that downloads inside a build need, as `podman build` flags: on machines whose
 * registries sit behind TLS interception, `npm ci` in a `RUN` step trusts only this bundle. It is
 * mounted for the build (never copied into an image) and named by the `NODE_EXTRA_CA_CERTS` build
 * argument, which the Dockerfiles declare empty by default. No flags when the host has none.
 */
export function caBundleBuildFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const bundle = env.NODE_EXTRA_CA_CERTS;
  if (!bundle || !existsSync(bundle)) return [];
  const inContainer = '/etc/ssl/host-ca.crt';
  return [
    '--volume',
    `${bundle}:${inContainer}:ro`,
    '--build-arg',
    `NODE_EXTRA_CA_CERTS=${inContainer}`,
  ];
}

/**
 * `podman build` with the flags every build here needs: nothing pulled (no registry is reachable;
 * bases are stand-ins built here), the ulimits, the CA bundle.
 */
export function podmanBuild(
  args: readonly string[],
  options?: CommandOptions,
): Promise<CommandResult> {
  return podman(
    ['build', '--pull=never', ...ULIMIT_FLAGS, ...caBundleBuildFlags(), ...args],
    options,
  );
}
