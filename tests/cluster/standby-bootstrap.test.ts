import { describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { clusterGateway } from './support/cluster-gateway.js';
import { freezePod, killFrozenPod } from './support/freeze-pod.js';
import { podIsReady } from './support/kube.js';

/**
 * A standby's seeding (charts/postgres-shard's prepare-data initContainer, `pg_basebackup` into
 * `pgdata.staging`) interrupted on the cluster: while the copy runs, the pod's processes are
 * frozen (cgroup freezer, on this single-node cluster), the pod deleted and the processes killed
 * where they stand; its replacement discards the half copy, copies again and streams. A padding
 * table on the primary makes the copy take seconds; a copy that had finished between the check
 * and the freeze would prove nothing, so the drill tries again then (at most three times).
 */
const { kube } = clusterGateway();
const PRIMARY = 'postgres-shard1-primary-0';
const STANDBY = 'postgres-shard1-standby-0';
const DATA = '/var/lib/postgresql/data';
const SLOT = STANDBY.replaceAll('-', '_');

/** Runs a shell line in the standby's prepare-data initContainer; false when it fails. */
const inInit = (line: string) =>
  kube
    .run(['exec', STANDBY, '-c', 'prepare-data', '--', '/bin/bash', '-c', line], {
      timeoutMs: 10_000,
    })
    .then(
      () => true,
      () => false,
    );

describe('a standby deleted halfway through its pg_basebackup', () => {
  it('recovers on its own: the half copy is discarded, the next copy streams', async () => {
    // ~300 MB on the primary, so that the copy runs long enough to be caught
    await kube.psql(
      PRIMARY,
      'CREATE TABLE bootstrap_pad AS SELECT repeat(md5(i::text), 30) AS v FROM generate_series(1, 300000) i',
      'shard1',
    );
    try {
      let interrupted = false;
      for (let attempt = 1; attempt <= 3 && !interrupted; attempt += 1) {
        // the next start of the pod finds no data directory and copies the primary
        await kube.exec(STANDBY, ['mv', `${DATA}/pgdata`, `${DATA}/pgdata.before-drill`], {
          container: 'postgres',
        });
        await kube.run(['delete', 'pod', STANDBY, '--wait=true'], { timeoutMs: 120_000 });
        await eventually(
          () => inInit(`test -d ${DATA}/pgdata.staging && test ! -e ${DATA}/pgdata`),
          120_000,
          `${STANDBY} copying into pgdata.staging`,
        );
        // the copy must not finish in the second or two a graceful deletion takes: the pod's
        // processes are frozen at once, the pod deleted, and they die where they stand
        const { uid } = (await kube.pod(STANDBY)).metadata;
        await freezePod(uid);
        await kube.run(['delete', 'pod', STANDBY, '--wait=false']);
        await killFrozenPod(uid);
        await eventually(
          async () => (await kube.pod(STANDBY)).metadata.uid !== uid,
          120_000,
          `${STANDBY} replaced`,
        );
        await eventually(
          async () => podIsReady(await kube.pod(STANDBY)),
          300_000,
          `${STANDBY} Ready`,
        );
        const log = (await kube.run(['logs', STANDBY, '-c', 'prepare-data'])).stdout;
        // caught mid-copy, the replacement copied again; otherwise the copy had just finished
        interrupted = log.includes('seeded from the primary; streaming through slot');
        console.log(
          `[bootstrap drill] attempt ${attempt}: ${interrupted ? 'interrupted mid-copy' : 'the copy had finished'}`,
        );
        await kube.exec(STANDBY, ['rm', '-rf', `${DATA}/pgdata.before-drill`], {
          container: 'postgres',
        });
      }
      expect(interrupted).toBe(true);
      expect(await kube.exec(STANDBY, ['ls', '-a', DATA], { container: 'postgres' })).not.toContain(
        'pgdata.staging',
      );
      // streaming again, through one slot of its name: the interrupted run's slot was replaced
      await eventually(
        async () =>
          (await kube.psql(PRIMARY, 'SELECT state FROM pg_stat_replication')).join() ===
          'streaming',
        60_000,
        `${STANDBY} streaming`,
      );
      expect(
        await kube.psql(
          PRIMARY,
          "SELECT slot_name || ' ' || active FROM pg_replication_slots WHERE slot_type = 'physical'",
        ),
      ).toEqual([`${SLOT} true`]);
      expect(await kube.psql(STANDBY, 'SELECT count(*) FROM bootstrap_pad', 'shard1')).toEqual([
        '300000',
      ]);
    } finally {
      await kube.psql(PRIMARY, 'DROP TABLE IF EXISTS bootstrap_pad', 'shard1');
    }
  }, 1_200_000);
});
