/**
 * kubectl bound to one binary, one kubeconfig (or kubectl's own choice) and one namespace: how the
 * operator's Postgres scripts (scripts/postgres/) and the cluster suites (tests/cluster/) drive a
 * cluster. Which binary and kubeconfig the scripts use: `resolveKubeTarget`
 * (scripts/postgres/kube-target.ts).
 * @packageDocumentation
 */
import type { CommandOptions, CommandResult } from './command.js';
import { kubectl } from './kubectl.js';

/** Where kubectl is and what it talks to. */
export interface KubeTarget {
  /** The kubectl binary (a path, or a name looked up on the PATH). */
  readonly kubectl: string;
  /** A kubeconfig file. @default kubectl's own choice (`KUBECONFIG`, ~/.kube/config) */
  readonly kubeconfig?: string;
  /** The namespace of every call that names none. */
  readonly namespace: string;
}

/** The fields of a Pod the scripts and suites read. */
export interface Pod {
  readonly metadata: {
    readonly name: string;
    readonly uid: string;
    readonly labels?: Record<string, string>;
    readonly deletionTimestamp?: string;
    readonly ownerReferences?: ReadonlyArray<{ readonly kind: string; readonly name: string }>;
  };
  readonly status: {
    readonly phase?: string;
    readonly podIP?: string;
    readonly conditions?: ReadonlyArray<{ readonly type: string; readonly status: string }>;
  };
}

/** True when the pod is Ready and not being deleted. */
export function podIsReady(pod: Pod): boolean {
  return (
    pod.metadata.deletionTimestamp === undefined &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** Arguments that already say which namespaces a call is about. */
const NAMESPACE_FLAGS = new Set(['-n', '--namespace', '-A', '--all-namespaces']);

/**
 * `args` with `-n namespace` in front, unless kubectl's own flags (those before a `--`, after
 * which `kubectl exec`'s command begins) already name a namespace or all of them.
 */
export function inNamespace(args: readonly string[], namespace: string): readonly string[] {
  const end = args.indexOf('--');
  const own = end === -1 ? args : args.slice(0, end);
  const scoped = own.some((arg) => NAMESPACE_FLAGS.has(arg) || arg.startsWith('--namespace='));
  return scoped ? args : ['-n', namespace, ...args];
}

/**
 * kubectl bound to a {@link KubeTarget}. Every call goes through the API server: nothing here
 * sends a packet to a pod or Service address.
 */
export class KubeClient {
  readonly namespace: string;
  readonly #target: KubeTarget;

  constructor(target: KubeTarget) {
    this.namespace = target.namespace;
    this.#target = target;
  }

  /**
   * Runs kubectl in the namespace (unless the arguments name one); rejects with the end of its
   * output when it fails. An arrow, so that it can be handed on as a `KubectlRun`.
   */
  readonly run = (args: readonly string[], options?: CommandOptions): Promise<CommandResult> =>
    kubectl(this.#target.kubectl, this.#target.kubeconfig, inNamespace(args, this.namespace), {
      timeoutMs: 120_000,
      ...options,
    });

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
  async pods(selector: string): Promise<Pod[]> {
    return (await this.json<{ items: Pod[] }>(['get', 'pods', '-l', selector])).items;
  }

  /** One pod by name. */
  pod(name: string): Promise<Pod> {
    return this.json<Pod>(['get', 'pod', name]);
  }

  /**
   * One SQL statement run by `psql` as the superuser inside the pod's postgres container, over
   * its Unix socket (which the chart's pg_hba.conf trusts): no password travels. Returns the
   * unaligned, tuples-only rows.
   */
  async psql(pod: string, sql: string, database = 'postgres'): Promise<string[]> {
    const out = await this.exec(
      pod,
      ['psql', '-X', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql],
      { container: 'postgres' },
    );
    return out.split('\n').filter((line) => line !== '');
  }
}
