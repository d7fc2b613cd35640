import { describe, expect, it } from 'vitest';
import { eventually } from '../support/wait.js';
import { clusterGateway } from './support/cluster-gateway.js';
import { isReady } from './support/kube.js';

/**
 * A standby's seeding (charts/postgres-shard's prepare-data initContainer, `pg_basebackup` into
 * `pgdata.staging`) interrupted on the cluster: the pod is deleted while the copy runs, and its
 * replacement discards the half copy, copies again and streams. The copy is made to take seconds
 * by a padding table on the primary; a copy that finished before the deletion landed proves
 * nothing, so the drill tries again (at most three times).
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
        await kube.run(['delete', 'pod', STANDBY, '--grace-period=1', '--wait=true'], {
          timeoutMs: 120_000,
        });
        await eventually(async () => isReady(await kube.pod(STANDBY)), 300_000, `${STANDBY} Ready`);
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
