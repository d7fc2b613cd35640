import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeImageRef } from '../deploy/workloads.js';
import type { ContainerSpec } from './container.js';

/** The parts of a rendered pod spec (k8s/<env>/*.k8s.yaml) that {@link podContainerSpec} reads. */
export interface PodSpecLike {
  readonly securityContext?: SecurityContextLike & { readonly fsGroup?: number };
  readonly containers: readonly ContainerLike[];
  readonly initContainers?: readonly ContainerLike[];
  readonly volumes?: readonly VolumeLike[];
}

interface SecurityContextLike {
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
}

interface ContainerLike {
  readonly name: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly {
    readonly name: string;
    readonly value?: string;
    readonly valueFrom?: {
      readonly secretKeyRef?: { readonly key: string };
      readonly fieldRef?: { readonly fieldPath: string };
    };
  }[];
  readonly volumeMounts?: readonly {
    readonly name: string;
    readonly mountPath: string;
    readonly readOnly?: boolean;
  }[];
  readonly securityContext?: SecurityContextLike;
}

interface VolumeLike {
  readonly name: string;
  readonly configMap?: { readonly name: string; readonly defaultMode?: number };
}

/** How {@link podContainerSpec} stands in for what the kubelet and the API server provide. */
export interface PodContainerOptions {
  /** `data` of each ConfigMap by name, for the pod's configMap volumes. */
  readonly configMaps: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The value of every `secretKeyRef` key the container's env names. */
  readonly secrets: Readonly<Record<string, string>>;
  /** An empty folder: each volume without a folder in {@link volumeDirs} becomes a subfolder. */
  readonly workDir: string;
  /** Host folders for named volumes, e.g. the same `data` for a second start. */
  readonly volumeDirs?: Readonly<Record<string, string>>;
  /** The pod's name, for env the downward API fills from `metadata.name`. */
  readonly podName?: string;
  /** Env values replacing the manifest's (a Service's DNS name by a loopback address, say). */
  readonly envOverrides?: Readonly<Record<string, string>>;
  /** Appended to the container's args (`-c key=value` flags win over earlier ones). */
  readonly extraArgs?: readonly string[];
  readonly network?: string;
  readonly publish?: readonly string[];
}

/**
 * The podman {@link ContainerSpec} of one container of a rendered pod, as the kubelet would run
 * it: its image under the name containerd's CRI gives it, `command` as entrypoint and `args`, its
 * env (secret keys from {@link PodContainerOptions.secrets}, the pod's name from
 * {@link PodContainerOptions.podName}), its user and group and the pod's
 * fsGroup, each volumeMount backed by a host folder — a ConfigMap's files (read-only, its
 * `defaultMode`), anything else an empty folder writable by all, as a fresh emptyDir or local
 * volume is. The root filesystem is read-only and every capability dropped ({@link startContainer}).
 */
export function podContainerSpec(
  pod: PodSpecLike,
  name: string,
  options: PodContainerOptions,
): ContainerSpec {
  const container = [...(pod.initContainers ?? []), ...pod.containers].find((c) => c.name === name);
  if (!container?.image) throw new Error(`the pod has no container ${name} with an image`);
  const uid = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
  const gid = container.securityContext?.runAsGroup ?? pod.securityContext?.runAsGroup ?? uid;
  const fsGroup = pod.securityContext?.fsGroup;
  return {
    image: normalizeImageRef(container.image),
    ...(container.command ? { entrypoint: container.command } : {}),
    args: [...(container.args ?? []), ...(options.extraArgs ?? [])],
    ...(uid !== undefined ? { user: `${uid}:${gid}` } : {}),
    ...(fsGroup !== undefined ? { groups: [String(fsGroup)] } : {}),
    env: { ...containerEnv(container, options), ...options.envOverrides },
    volumes: (container.volumeMounts ?? []).map((mount) => {
      const dir = options.volumeDirs?.[mount.name] ?? volumeDir(pod, mount.name, options);
      return `${dir}:${mount.mountPath}${mount.readOnly ? ':ro' : ''}`;
    }),
    ...(options.network ? { network: options.network } : {}),
    ...(options.publish ? { publish: options.publish } : {}),
  };
}

function containerEnv(container: ContainerLike, options: PodContainerOptions) {
  const env: Record<string, string> = {};
  for (const { name, value, valueFrom } of container.env ?? []) {
    const key = valueFrom?.secretKeyRef?.key;
    const field = valueFrom?.fieldRef?.fieldPath;
    if (field !== undefined && field !== 'metadata.name')
      throw new Error(`no stand-in for the downward API's ${field} (${name})`);
    const resolved =
      field !== undefined ? options.podName : key === undefined ? value : options.secrets[key];
    if (resolved === undefined)
      throw new Error(`no value for ${name} (${field ? 'give podName' : `secret key ${key}`})`);
    env[name] = resolved;
  }
  return env;
}

function volumeDir(pod: PodSpecLike, name: string, options: PodContainerOptions): string {
  const dir = join(options.workDir, name);
  mkdirSync(dir, { recursive: true });
  const configMap = pod.volumes?.find((v) => v.name === name)?.configMap;
  if (!configMap) {
    chmodSync(dir, 0o777);
    return dir;
  }
  const data = options.configMaps[configMap.name];
  if (!data) throw new Error(`no ConfigMap ${configMap.name} for the volume ${name}`);
  for (const [file, content] of Object.entries(data)) {
    writeFileSync(join(dir, file), content, { mode: configMap.defaultMode ?? 0o644 });
  }
  return dir;
}
