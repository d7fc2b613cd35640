/**
 * Reads a stopped primary's data directory, in a short-lived pod that mounts its volume read-only:
 * how the server stopped (`pg_controldata`) and which transactions it committed after a given WAL
 * position (`pg_waldump`), that is, the commits a standby that had received WAL up to there never
 * got.
 * @packageDocumentation
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from './kube-client.js';
import {
  type ControlData,
  formatLsn,
  type Lsn,
  parseControlData,
  parseWalDump,
  type WalTail,
} from './wal-position.js';

/** What the inspection found. */
export interface FormerPrimaryReport {
  readonly control: ControlData;
  /** Its WAL from the given position on. */
  readonly after: WalTail;
}

/** The chart's data directory inside its volume. */
const PGDATA = '/var/lib/postgresql/data/pgdata';

/**
 * The inspection pod's script (`PGDATA`, `FROM` in its environment): both tools' output, in two
 * marked sections; the C locale keeps pg_controldata's labels stable.
 */
export const INSPECTION_SCRIPT = `set -u
export LC_ALL=C
echo '== controldata'
pg_controldata "$PGDATA" || exit 2
timeline=$(pg_controldata "$PGDATA" | sed -n "s/^Latest checkpoint's TimeLineID: *//p")
echo '== waldump'
pg_waldump -p "$PGDATA/pg_wal" -s "$FROM" -t "$timeline" -r Transaction 2>&1
echo
echo '== end'`;

/**
 * Runs the inspection of `pod`'s volume (`data-<pod>`; the pod itself must be gone) with `image`,
 * from WAL position `from`, and removes its pod. Fails after `timeoutMs`.
 */
export async function inspectFormerPrimary(
  kube: KubeClient,
  options: {
    readonly pod: string;
    readonly image: string;
    readonly from: Lsn;
    readonly timeoutMs?: number;
  },
): Promise<FormerPrimaryReport> {
  const name = `${options.pod}-inspect-${Date.now().toString(36)}`.slice(0, 63);
  // Pod Security "restricted", as the chart's own pods: the postgres account, nothing more
  const identity = {
    runAsNonRoot: true,
    runAsUser: 999,
    runAsGroup: 999,
    seccompProfile: { type: 'RuntimeDefault' },
  };
  const restricted = {
    ...identity,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: {
        'app.kubernetes.io/name': 'postgres-failover',
        'app.kubernetes.io/component': 'inspect',
        'app.kubernetes.io/part-of': 'shardgate',
      },
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { ...identity, fsGroup: 999 },
      containers: [
        {
          name: 'inspect',
          image: options.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/bash', '-c', INSPECTION_SCRIPT],
          env: [
            { name: 'PGDATA', value: PGDATA },
            { name: 'FROM', value: formatLsn(options.from) },
          ],
          securityContext: restricted,
          resources: {
            requests: { cpu: '50m', memory: '64Mi' },
            limits: { cpu: '500m', memory: '256Mi' },
          },
          volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data', readOnly: true }],
        },
      ],
      volumes: [
        {
          name: 'data',
          persistentVolumeClaim: { claimName: `data-${options.pod}`, readOnly: true },
        },
      ],
    },
  };
  await kube.run(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    for (;;) {
      const { status } = await kube.json<{ status: { phase?: string } }>(['get', 'pod', name]);
      if (status.phase === 'Succeeded' || status.phase === 'Failed') break;
      if (Date.now() > deadline) {
        throw new Error(
          `the inspection pod ${name} did not finish in time (phase ${status.phase ?? 'unknown'}): is the volume data-${options.pod} attachable?`,
        );
      }
      await sleep(500);
    }
    const { stdout } = await kube.run(['logs', name]);
    return parseInspection(stdout);
  } finally {
    await kube.run(['delete', 'pod', name, '--wait=false']).catch(() => undefined);
  }
}

/** Splits the pod's output into its sections and parses each. */
export function parseInspection(output: string): FormerPrimaryReport {
  const section = (from: string, to: string): string => {
    const start = output.indexOf(`== ${from}\n`);
    const end = output.indexOf(`== ${to}`, start);
    if (start < 0 || end < 0) {
      throw new Error(`the inspection printed no ${from} section:\n${output.slice(-2000)}`);
    }
    return output.slice(start + from.length + 4, end);
  };
  return {
    control: parseControlData(section('controldata', 'waldump')),
    after: parseWalDump(section('waldump', 'end')),
  };
}
