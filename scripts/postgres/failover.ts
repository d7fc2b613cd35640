/**
 * Moves the primary of a postgres-shard release to one of its standbys, without an operator:
 * fence the old primary (its StatefulSet scaled to zero), make sure nothing it committed is lost
 * (planned) or count what is (unplanned), name the new primary in the topology ConfigMap, point
 * the rw Service at it, promote it, and start the old primary's pods again, which the chart's
 * prepare-data initContainer seeds as standbys of the new one. docs/operations.md, "Failover and
 * switchover", is the operator's page; `npm run db:failover` the command.
 * @packageDocumentation
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type KubeClient, type Pod, podIsReady } from '../cluster/kube-client.js';
import { type FormerPrimaryReport, inspectFormerPrimary } from './inspect-former-primary.js';
import { formatLsn, type Lsn, parseLsn } from './wal-position.js';

/** What to move, and how. */
export interface FailoverOptions {
  /** The release (the chart's fullname, e.g. `postgres-shard1`). */
  readonly release: string;
  /** The standby pod to promote. @default the first Ready pod of the other StatefulSet */
  readonly to?: string;
  /**
   * The primary is lost (node gone, server hung): fence it by force, promote without waiting,
   * and count afterwards what it had committed that the standby never received. Without it, a
   * planned switchover: the primary stops cleanly and the promotion happens only if the standby
   * has everything.
   */
  readonly unplanned: boolean;
  /** Start the old primary's pods again as standbys of the new primary. @default true */
  readonly rebuild: boolean;
  /** Deadline of each wait (pods gone, promotion, the rebuilt standby streaming). */
  readonly timeoutMs: number;
  /** Progress, one line at a time. */
  readonly log: (line: string) => void;
}

/** What a run did, printed as JSON at its end. */
export interface FailoverReport {
  readonly release: string;
  readonly mode: 'switchover' | 'failover';
  readonly from: string;
  readonly to: string;
  /** The WAL the new primary had received when it was promoted. */
  readonly promotedAt: string;
  /** From the fencing of the old primary to the promotion of the new: no primary meanwhile. */
  readonly writeOutageMs: number;
  /** The old primary's data, read after it stopped; `error` when it could not be read. */
  readonly formerPrimary:
    | {
        readonly state: string;
        readonly lastCheckpoint: string;
        /** Transactions it committed that the new primary never received: lost. */
        readonly commitsNotReceived: number;
        /** Bytes of WAL it wrote that the new primary never received. */
        readonly walBytesNotReceived: number;
      }
    | { readonly error: string };
  /** Whether the old primary's pods were started again and stream from the new primary. */
  readonly rebuilt: boolean;
  /** The chart value to record, so that the next render keeps the primary where it is now. */
  readonly record: string;
}

/** A pod of the release and the StatefulSet it belongs to. */
interface Member {
  readonly name: string;
  readonly statefulSet: string;
  readonly pod: Pod;
}

const since = (start: number) => Math.round(performance.now() - start);

/** Runs the failover (or switchover) and returns its report; throws, saying why, when it cannot. */
export async function failOver(
  kube: KubeClient,
  options: FailoverOptions,
): Promise<FailoverReport> {
  const { release, log } = options;
  const topologyName = `${release}-topology`;
  const topology = await kube
    .json<{ data?: Record<string, string> }>(['get', 'configmap', topologyName])
    .catch((error: Error) => {
      throw new Error(
        `no ConfigMap ${topologyName} in namespace ${kube.namespace}: is ${release} a release of charts/postgres-shard 0.3.0 or later? (${error.message.split('\n').at(-1)})`,
      );
    });
  const from = topology.data?.['primary-pod'];
  if (!from) throw new Error(`ConfigMap ${topologyName} names no primary-pod`);

  const members = await releaseMembers(kube, release);
  const primary = members.find((m) => m.name === from);
  if (!primary) {
    if (!options.unplanned) {
      throw new Error(
        `the primary ${from} has no pod: a switchover needs it running (use --unplanned if it is lost)`,
      );
    }
  }
  const primarySet = primary?.statefulSet ?? statefulSetOf(from);
  const target = pickTarget(members, primarySet, options.to);
  const to = target.name;
  log(`${options.unplanned ? 'failover' : 'switchover'} of ${release}: ${from} → ${to}`);

  if ((await kube.psql(to, 'SELECT pg_is_in_recovery()'))[0] !== 't') {
    throw new Error(`${to} is not a standby (not in recovery): nothing to promote`);
  }
  if (!options.unplanned) {
    const [receiver] = await kube.psql(
      to,
      "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'none')",
    );
    if (receiver !== 'streaming') {
      throw new Error(
        `${to} is not streaming from ${from} (its WAL receiver: ${receiver}): a switchover could lose writes. If ${from} is lost, run with --unplanned`,
      );
    }
  }

  const replicas = Number(
    (await kube.run(['get', 'statefulset', primarySet, '-o', 'jsonpath={.spec.replicas}'])).stdout,
  );
  const image = (
    await kube.run([
      'get',
      'statefulset',
      primarySet,
      '-o',
      'jsonpath={.spec.template.spec.containers[?(@.name=="postgres")].image}',
    ])
  ).stdout;

  // fence: no pod of the old primary's StatefulSet may run while another pod becomes the primary
  const fenceStarted = performance.now();
  let received: Lsn;
  let former: FormerPrimaryReport | Error | undefined;
  try {
    ({ received, former } = await fenceAndCheck(kube, options, { from, to, primarySet, image }));
  } catch (error) {
    // nothing is switched yet: the old primary comes back as it was
    await kube.run(['scale', 'statefulset', primarySet, `--replicas=${replicas}`]);
    throw new Error(
      `${(error as Error).message}\nnothing was switched; ${primarySet} is scaled back to ${replicas}`,
    );
  }

  // the topology first: a pod that restarts from here on takes its role from the new name
  await kube.run([
    'patch',
    'configmap',
    topologyName,
    '--type=merge',
    '-p',
    JSON.stringify({ data: { 'primary-pod': to } }),
  ]);
  await kube.run([
    'patch',
    'service',
    `${release}-rw`,
    '--type=merge',
    '-p',
    JSON.stringify({
      spec: {
        selector: { 'app.kubernetes.io/component': null, 'statefulset.kubernetes.io/pod-name': to },
      },
    }),
  ]);
  const [promoted] = await kube.psql(to, 'SELECT pg_promote(true, 120)');
  if (promoted !== 't') throw new Error(`pg_promote on ${to} answered ${promoted ?? 'nothing'}`);
  await waitFor(
    `${to} out of recovery`,
    async () => (await kube.psql(to, 'SELECT pg_is_in_recovery()'))[0] === 'f',
    options.timeoutMs,
  );
  const writeOutageMs = since(fenceStarted);
  log(`promoted ${to} (${writeOutageMs} ms after the fencing began); ${release}-rw selects it`);

  // every other pod of the release streams from the new primary through a slot of its name
  // (left to --no-rebuild's stopped pods, a slot would only hold WAL back for nothing)
  const restarted = options.rebuild ? podsOf(primarySet, replicas) : [];
  const standbys = [
    ...members.filter((m) => m.statefulSet !== primarySet).map((m) => m.name),
    ...restarted,
  ].filter((name, i, all) => name !== to && all.indexOf(name) === i);
  for (const name of standbys) {
    const slot = name.replaceAll('-', '_');
    await kube.psql(
      to,
      `SELECT pg_create_physical_replication_slot('${slot}', true) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '${slot}')`,
    );
  }

  if (options.unplanned) {
    former = await inspectFormerPrimary(kube, { pod: from, image, from: received }).catch(
      (error: Error) => error,
    );
  }

  let rebuilt = false;
  if (options.rebuild) {
    await kube.run(['scale', 'statefulset', primarySet, `--replicas=${replicas}`]);
    await waitFor(
      `${from} seeded again, Ready and streaming from ${to}`,
      async () => {
        const pods = (await releaseMembers(kube, release)).filter(
          (m) => m.statefulSet === primarySet,
        );
        if (pods.length !== replicas || !pods.every((m) => podIsReady(m.pod))) return false;
        const streaming = await kube.psql(
          to,
          "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
        );
        return Number(streaming[0]) >= standbys.length;
      },
      options.timeoutMs,
    );
    rebuilt = true;
    if (!options.unplanned) {
      // nothing in it that the new primary lacks: the copy the initContainer set aside can go
      await kube.run([
        'exec',
        from,
        '-c',
        'postgres',
        '--',
        'rm',
        '-rf',
        '/var/lib/postgresql/data/pgdata.former-primary',
      ]);
    }
    log(`${from} is a standby of ${to} again`);
  } else {
    log(
      `${primarySet} stays at 0 replicas (--no-rebuild): scale it to ${replicas} to seed its pods as standbys`,
    );
  }

  return {
    release,
    mode: options.unplanned ? 'failover' : 'switchover',
    from,
    to,
    promotedAt: formatLsn(received),
    writeOutageMs,
    formerPrimary: describeFormer(former, received),
    rebuilt,
    record: `primaryPod: ${to}`,
  };
}

/**
 * Scales the old primary's StatefulSet to zero and waits for its pods to be gone; reads how far
 * the standby got; when planned, checks that this is all the old primary wrote.
 */
async function fenceAndCheck(
  kube: KubeClient,
  options: FailoverOptions,
  names: {
    readonly from: string;
    readonly to: string;
    readonly primarySet: string;
    readonly image: string;
  },
): Promise<{ received: Lsn; former: FormerPrimaryReport | undefined }> {
  const { from, to, primarySet, image } = names;
  const started = performance.now();
  await kube.run(['scale', 'statefulset', primarySet, '--replicas=0']);
  if (options.unplanned) {
    // the operator says it is lost: do not wait for a node that may never answer
    await kube.run([
      'delete',
      'pod',
      from,
      '--grace-period=0',
      '--force',
      '--wait=false',
      '--ignore-not-found',
    ]);
  }
  await waitFor(
    `the pods of ${primarySet} gone`,
    async () =>
      (await releaseMembers(kube, options.release)).every((m) => m.statefulSet !== primarySet),
    options.timeoutMs,
  );
  options.log(`fenced: ${primarySet} scaled to 0, its pods gone after ${since(started)} ms`);

  const received = parseLsn(
    (
      await kube.psql(to, 'SELECT coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())')
    )[0] ?? '',
  );
  if (options.unplanned) return { received, former: undefined };
  // planned: promote only if the standby has everything the old primary wrote
  const former = await inspectFormerPrimary(kube, { pod: from, image, from: received });
  const complete =
    former.control.state === 'shut down' &&
    received > former.control.checkpoint &&
    former.after.commits === 0;
  if (!complete) {
    throw new Error(
      `${to} had not received everything ${from} wrote (its state: ${former.control.state}, last checkpoint ${formatLsn(former.control.checkpoint)}, received up to ${formatLsn(received)}, commits after that: ${former.after.commits})`,
    );
  }
  options.log(
    `${to} has all of ${from}'s WAL (received ${formatLsn(received)}, shutdown checkpoint at ${formatLsn(former.control.checkpoint)})`,
  );
  return { received, former };
}

function describeFormer(
  former: FormerPrimaryReport | Error | undefined,
  received: Lsn,
): FailoverReport['formerPrimary'] {
  if (former === undefined) return { error: 'not inspected' };
  if (former instanceof Error) return { error: former.message };
  const { end } = former.after;
  return {
    state: former.control.state,
    lastCheckpoint: formatLsn(former.control.checkpoint),
    commitsNotReceived: former.after.commits,
    walBytesNotReceived: Number(end > received ? end - received : 0n),
  };
}

/** The pods of the release's StatefulSets. */
async function releaseMembers(kube: KubeClient, release: string): Promise<Member[]> {
  const pods = await kube.pods(
    `app.kubernetes.io/name=postgres-shard,app.kubernetes.io/instance=${release}`,
  );
  return pods.flatMap((pod) => {
    const owner = pod.metadata.ownerReferences?.find((o) => o.kind === 'StatefulSet');
    return owner ? [{ name: pod.metadata.name, statefulSet: owner.name, pod }] : [];
  });
}

/** A StatefulSet pod's StatefulSet (`name-3` → `name`). */
function statefulSetOf(pod: string): string {
  return pod.replace(/-\d+$/, '');
}

function podsOf(statefulSet: string, replicas: number): string[] {
  return Array.from({ length: replicas }, (_, i) => `${statefulSet}-${i}`);
}

/**
 * The pod to promote: the one asked for, or the first Ready pod of another StatefulSet. It must
 * be in another StatefulSet than the primary's, which is scaled to zero to fence the primary.
 */
function pickTarget(
  members: readonly Member[],
  primarySet: string,
  wanted: string | undefined,
): Member {
  if (wanted !== undefined) {
    const member = members.find((m) => m.name === wanted);
    if (!member) {
      throw new Error(
        `${wanted} is not a pod of this release (pods: ${members.map((m) => m.name).join(', ')})`,
      );
    }
    if (member.statefulSet === primarySet) {
      throw new Error(
        `${wanted} is in the primary's StatefulSet ${primarySet}, which the failover scales to zero to fence the primary: pick a pod of the other StatefulSet`,
      );
    }
    return member;
  }
  const candidates = members
    .filter((m) => m.statefulSet !== primarySet && podIsReady(m.pod))
    .sort((a, b) => a.name.localeCompare(b.name));
  const first = candidates[0] ?? members.find((m) => m.statefulSet !== primarySet);
  if (!first) throw new Error(`no standby pod outside ${primarySet} to promote`);
  return first;
}

/** Polls `check` every 500 ms until it holds; fails after `timeoutMs`, naming `what`. */
async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(500);
  }
}
