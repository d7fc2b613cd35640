/**
 * Reads a stopped primary's data directory, in a short-lived Job that mounts its volume read-only:
 * how the server stopped (`pg_controldata`) and which transactions it committed after a given WAL
 * position (`pg_waldump`), that is, the commits a standby that had received WAL up to there never
 * got.
 * @packageDocumentation
 */
import type { KubeClient } from '../cluster/kube-client.js';
import { runToolJob } from './tool-job.js';
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
 * Runs the inspection of `pod`'s volume (`data-<pod>`, read-only; the pod itself must be gone)
 * with `image`, from WAL position `from`, in a {@link runToolJob} Job. Fails after `timeoutMs`.
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
  const output = await runToolJob(
    kube,
    {
      name: `${options.pod}-inspect-${Date.now().toString(36)}`.slice(0, 63),
      labels: {
        'app.kubernetes.io/name': 'postgres-failover',
        'app.kubernetes.io/component': 'inspect',
        'app.kubernetes.io/part-of': 'shardgate',
      },
      image: options.image,
      script: INSPECTION_SCRIPT,
      env: [
        { name: 'PGDATA', value: PGDATA },
        { name: 'FROM', value: formatLsn(options.from) },
      ],
      claims: { [`data-${options.pod}`]: ['/var/lib/postgresql/data', true] },
    },
    options.timeoutMs ?? 120_000,
    // a planned switchover waits on it with no primary: notice the end within half a second
    500,
  ).catch((error: Error) => {
    throw new Error(
      `the inspection of data-${options.pod} failed (is the volume attachable?): ${error.message}`,
    );
  });
  return parseInspection(output);
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
