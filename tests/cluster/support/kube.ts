import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { CommandOptions, CommandResult } from '../../../scripts/cluster/command.js';
import { kubectl } from '../../../scripts/cluster/kubectl.js';
import type { ClusterInfo } from './cluster-setup.js';

/** The fields of a Pod the suites read. */
export interface PodInfo {
  readonly metadata: {
    readonly name: string;
    readonly uid: string;
    readonly labels?: Record<string, string>;
    readonly deletionTimestamp?: string;
  };
  readonly status: {
    readonly phase?: string;
    readonly podIP?: string;
    readonly conditions?: ReadonlyArray<{ readonly type: string; readonly status: string }>;
  };
}

/** True when the pod is Ready and not being deleted. */
export function isReady(pod: PodInfo): boolean {
  return (
    pod.metadata.deletionTimestamp === undefined &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/**
 * The cluster's own kubectl, bound to its kubeconfig and (unless an argument names another with
 * `-n`) to shardgate's namespace. Every call goes through the API server: nothing here sends a
 * packet to a pod or Service address.
 */
export class Kube {
  readonly info: ClusterInfo;

  constructor(info: ClusterInfo = inject('cluster')) {
    this.info = info;
  }

  /** The namespace every call uses unless its arguments name another. */
  get namespace(): string {
    return this.info.namespace;
  }

  /** Runs kubectl; rejects with the end of its output when it exits non-zero. */
  run(args: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    const namespaced = args.includes('-n') || args.includes('--all-namespaces');
    return kubectl(
      this.info.kubectl,
      this.info.kubeconfig,
      namespaced ? args : ['-n', this.namespace, ...args],
      { timeoutMs: 120_000, ...options },
    );
  }

  /** Runs kubectl with `-o json` and parses what it prints. */
  async json<T>(args: readonly string[]): Promise<T> {
    return JSON.parse((await this.run([...args, '-o', 'json'])).stdout) as T;
  }

  /**
   * `kubectl exec <target> -- <command>` (a pod, or `deploy/<name>`); resolves with stdout.
   * `container` picks one when the pod has several.
   */
  async exec(
    target: string,
    command: readonly string[],
    options: {
      readonly input?: string;
      readonly container?: string;
      readonly timeoutMs?: number;
    } = {},
  ): Promise<string> {
    const args = ['exec', ...(options.input !== undefined ? ['-i'] : []), target];
    if (options.container) args.push('-c', options.container);
    const run = await this.run([...args, '--', ...command], {
      ...(options.input !== undefined ? { input: options.input } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    return run.stdout;
  }

  /** The pods matching a label selector (`a=b,c=d`), those being deleted included. */
  async pods(selector: string): Promise<PodInfo[]> {
    return (await this.json<{ items: PodInfo[] }>(['get', 'pods', '-l', selector])).items;
  }

  /** One pod by name. */
  pod(name: string): Promise<PodInfo> {
    return this.json<PodInfo>(['get', 'pod', name]);
  }

  /**
   * `psql` as the superuser over the pod's Unix socket: the postgres-shard chart's pg_hba.conf
   * trusts local connections (the image's default), so no password is needed inside the pod.
   * Returns the unaligned, tuples-only output, one row per line.
   */
  async psql(pod: string, sql: string, database = 'postgres'): Promise<string[]> {
    const out = await this.exec(
      pod,
      ['psql', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql],
      { container: 'postgres' },
    );
    return out.split('\n').filter((line) => line !== '');
  }
}

/** A name no other run of the suites uses: `<prefix>-<8 hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
