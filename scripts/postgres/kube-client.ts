/**
 * kubectl, as the operator's scripts under scripts/postgres/ use it: one binary, one kubeconfig
 * (or kubectl's own choice), one namespace. Which ones: {@link resolveKubeTarget} in kube-target.ts.
 * @packageDocumentation
 */
import { type CommandOptions, type CommandResult, runCommand } from '../cluster/command.js';

/** Where kubectl is and what it talks to. */
export interface KubeTarget {
  /** The kubectl binary (a path, or a name looked up on the PATH). */
  readonly kubectl: string;
  /** A kubeconfig file. @default kubectl's own choice (`KUBECONFIG`, ~/.kube/config) */
  readonly kubeconfig?: string;
  /** The namespace of every call. */
  readonly namespace: string;
}

/** The fields of a Pod the scripts read. */
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

/** kubectl bound to a {@link KubeTarget}. */
export class KubeClient {
  readonly namespace: string;
  private readonly binary: string;
  private readonly config: readonly string[];

  constructor(target: KubeTarget) {
    this.namespace = target.namespace;
    this.binary = target.kubectl;
    this.config = target.kubeconfig ? [`--kubeconfig=${target.kubeconfig}`] : [];
  }

  /** Runs kubectl in the namespace; rejects with the end of its output when it fails. */
  run(args: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    return runCommand(this.binary, [...this.config, '-n', this.namespace, ...args], {
      timeoutMs: 120_000,
      ...options,
    });
  }

  /** Runs kubectl with `-o json` and parses what it prints. */
  async json<T>(args: readonly string[]): Promise<T> {
    return JSON.parse((await this.run([...args, '-o', 'json'])).stdout) as T;
  }

  /** The pods matching a label selector, those being deleted included. */
  async pods(selector: string): Promise<Pod[]> {
    return (await this.json<{ items: Pod[] }>(['get', 'pods', '-l', selector])).items;
  }

  /**
   * One SQL statement run by `psql` as the superuser inside the pod's postgres container, over
   * its Unix socket (which the chart's pg_hba.conf trusts): no password travels. Returns the
   * unaligned, tuples-only rows.
   */
  async psql(pod: string, sql: string): Promise<string[]> {
    const { stdout } = await this.run([
      'exec',
      pod,
      '-c',
      'postgres',
      '--',
      'psql',
      '-X',
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-v',
      'ON_ERROR_STOP=1',
      '-At',
      '-c',
      sql,
    ]);
    return stdout.split('\n').filter((line) => line !== '');
  }
}
