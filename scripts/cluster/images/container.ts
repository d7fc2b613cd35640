import { randomBytes } from 'node:crypto';
import type { CommandResult } from '../command.js';
import { podman, ULIMIT_FLAGS } from '../podman.js';

/**
 * `podman run` flags of a container confined as our pods are (Pod Security "restricted" with
 * `readOnlyRootFilesystem`): nothing writable but what is mounted (podman's default tmpfs on /run,
 * /tmp and /var/tmp is turned off: a pod has none), no capability, no privilege escalation.
 */
export const RESTRICTED_FLAGS = [
  '--read-only',
  '--read-only-tmpfs=false',
  '--cap-drop=ALL',
  '--security-opt=no-new-privileges',
];

/** How to run a container; the flags of {@link RESTRICTED_FLAGS} always apply. */
export interface ContainerSpec {
  readonly image: string;
  /** The command (with `entrypoint`) or the arguments of the image's entrypoint. */
  readonly args?: readonly string[];
  /** Replaces the image's entrypoint (and its CMD), as a pod's `command` does. */
  readonly entrypoint?: string | readonly string[];
  /** `uid:gid`, as the pod's securityContext sets it. @default the image's USER */
  readonly user?: string;
  /** Supplementary groups, as a pod's `fsGroup` adds one. */
  readonly groups?: readonly string[];
  /**
   * The container's environment. Only the names go on podman's command line (`--env NAME`);
   * the values reach it through its own environment, so no secret is ever in a process's argv.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** `--volume` specs (`host:container[:ro]`). */
  readonly volumes?: readonly string[];
  /**
   * Paths that get an empty tmpfs, as an `emptyDir` with `medium: Memory` (not podman's default
   * copy of the image's files there).
   */
  readonly tmpfs?: readonly string[];
  /** `host` to share this machine's network (the test stack listens on loopback). @default podman's own */
  readonly network?: string;
  /** `--publish` specs, e.g. `127.0.0.1:15432:5432`. */
  readonly publish?: readonly string[];
}

/** A container started by {@link startContainer}, kept after it exits until {@link Container.remove}. */
export interface Container {
  readonly name: string;
  /** What it printed so far (stdout and stderr). */
  logs(): Promise<string>;
  /** Its main process's pid on this machine (for /proc). */
  pid(): Promise<number>;
  /** Runs a command inside it (`podman exec`), as its user. */
  exec(args: readonly string[]): Promise<CommandResult>;
  /** Waits for it to exit and returns its exit code. */
  wait(): Promise<number>;
  /** Sends the image's stop signal, waits up to `timeoutSeconds` (then SIGKILL); returns the exit code. */
  stop(timeoutSeconds?: number): Promise<number>;
  /** Removes it, running or not. */
  remove(): Promise<void>;
}

/** `--entrypoint`: a JSON array for a command with arguments, which podman accepts as such. */
function entrypointFlags(entrypoint: ContainerSpec['entrypoint']): string[] {
  if (entrypoint === undefined) return [];
  return [
    `--entrypoint=${typeof entrypoint === 'string' ? entrypoint : JSON.stringify(entrypoint)}`,
  ];
}

function runFlags(spec: ContainerSpec): string[] {
  return [
    ...ULIMIT_FLAGS,
    ...RESTRICTED_FLAGS,
    ...(spec.user ? [`--user=${spec.user}`] : []),
    ...(spec.groups ?? []).map((g) => `--group-add=${g}`),
    ...(spec.network ? [`--network=${spec.network}`] : []),
    ...entrypointFlags(spec.entrypoint),
    ...Object.keys(spec.env ?? {}).map((name) => `--env=${name}`),
    ...(spec.volumes ?? []).map((v) => `--volume=${v}`),
    ...(spec.tmpfs ?? []).map((t) => `--tmpfs=${t}:notmpcopyup`),
    ...(spec.publish ?? []).map((p) => `--publish=${p}`),
    spec.image,
    ...(spec.args ?? []),
  ];
}

/** Starts a container in the background (`podman run --detach`); see {@link Container}. */
export async function startContainer(spec: ContainerSpec): Promise<Container> {
  const name = `shardgate-${randomBytes(4).toString('hex')}`;
  await podman(['run', '--detach', `--name=${name}`, ...runFlags(spec)], { env: spec.env });
  const exitCode = async () => Number((await podman(['wait', name])).stdout.trim());
  return {
    name,
    logs: async () => {
      const { stdout, stderr } = await podman(['logs', name]);
      return stdout + stderr;
    },
    pid: async () =>
      Number((await podman(['inspect', '--format', '{{.State.Pid}}', name])).stdout.trim()),
    exec: (args) => podman(['exec', name, ...args]),
    wait: exitCode,
    stop: async (timeoutSeconds = 10) => {
      await podman(['stop', `--time=${timeoutSeconds}`, name]);
      return exitCode();
    },
    remove: async () => {
      await podman(['rm', '--force', '--ignore', name]);
    },
  };
}

/**
 * Runs a container to completion (`podman run --rm`) and returns what it printed; rejects with a
 * CommandError carrying its exit code and output when it fails.
 */
export function runContainer(spec: ContainerSpec): Promise<CommandResult> {
  return podman(['run', '--rm', ...runFlags(spec)], { env: spec.env });
}
