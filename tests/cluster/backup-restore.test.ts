import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runCommand } from '../../scripts/cluster/command.js';
import { REPO_ROOT } from '../../scripts/stack/layout.js';
import { eventually } from '../support/wait.js';
import { Kube, uniqueName } from './support/kube.js';
import { tableChecksums } from './support/table-checksums.js';

/**
 * The restore drill of a Postgres cluster (docs/operations.md, "Backups"): marker rows on the
 * primary, the backup CronJob run now, `npm run db:restore` into a fresh release, and every user
 * table of the restored primary equal to the source as of the backup (a row written after it is
 * absent); then the restored release is discarded with its volumes.
 *
 * Against the deployed `postgres-shard0` of namespace shardgate by default. To drill elsewhere:
 * BACKUP_DRILL_NAMESPACE, BACKUP_DRILL_RELEASE, and BACKUP_DRILL_VALUES (a values file of that
 * release, for one cdk8s did not render).
 */
const cluster = inject('cluster');
const namespace = process.env.BACKUP_DRILL_NAMESPACE ?? cluster.namespace;
const release = process.env.BACKUP_DRILL_RELEASE ?? 'postgres-shard0';
const valuesFile = process.env.BACKUP_DRILL_VALUES && resolve(process.env.BACKUP_DRILL_VALUES);
const valuesArgs = valuesFile ? ['--values', valuesFile] : [];
const kube = new Kube({ ...cluster, namespace });
const source = `${release}-primary-0`;
const restoredRelease = `${release}-drill-${randomBytes(2).toString('hex')}`;
const restored = `${restoredRelease}-primary-0`;
const marker = `backup_drill_${randomBytes(4).toString('hex')}`;
/** The Jobs this file created, deleted at its end (their pods' logs stay until then). */
const jobs: string[] = [];

/** How long a backup and a restore may take on this small, shared machine (a few seconds idle). */
const JOB_DEADLINE_S = 300;
const RESTORE_DEADLINE_S = 600;

/** `npm run db:restore -- <args>` against this cluster and namespace. */
function dbRestore(args: readonly string[]) {
  return runCommand('npm', ['run', '-s', 'db:restore', '--', '--namespace', namespace, ...args], {
    cwd: REPO_ROOT,
    env: { KUBECONFIG: cluster.kubeconfig, KUBECTL: cluster.kubectl },
    timeoutMs: (RESTORE_DEADLINE_S + 120) * 1000,
  });
}

/** The application database of the source primary (its container's POSTGRES_DB). */
async function databaseOf(pod: string): Promise<string> {
  const spec = await kube.json<{
    spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] };
  }>(['get', 'pod', pod]);
  const postgres = spec.spec.containers.find((c) => c.name === 'postgres');
  return postgres?.env?.find((e) => e.name === 'POSTGRES_DB')?.value ?? 'postgres';
}

/** Runs the backup CronJob now and returns its report; fails with the pod's output. */
async function runBackupNow(): Promise<Record<string, unknown>> {
  const job = uniqueName(`${release}-backup-now`);
  await kube.run(['create', 'job', job, `--from=cronjob/${release}-backup`]);
  try {
    await kube.run(
      ['wait', '--for=condition=complete', `job/${job}`, `--timeout=${JOB_DEADLINE_S}s`],
      {
        timeoutMs: (JOB_DEADLINE_S + 20) * 1000,
      },
    );
  } catch (error) {
    const logs = await kube.run(['logs', '-l', `job-name=${job}`, '--prefix', '--tail=20']).then(
      (r) => r.stdout,
      (e: Error) => `no logs: ${e.message}`,
    );
    throw new Error(`${(error as Error).message}\nthe backup pods printed:\n${logs}`);
  } finally {
    jobs.push(job);
  }
  const lines = (await kube.run(['logs', `job/${job}`])).stdout.trim().split('\n');
  return JSON.parse(lines.at(-1) ?? '') as Record<string, unknown>;
}

afterAll(async () => {
  for (const job of jobs) await kube.run(['delete', 'job', job, '--wait=false']);
  await dbRestore(['--discard', restoredRelease]);
  const database = await databaseOf(source);
  await kube.psql(source, `DROP TABLE IF EXISTS ${marker}`, database);
}, 300_000);

describe(`backup and restore drill of ${release}`, () => {
  it(
    'restores the CronJob’s backup into a fresh release whose tables equal the source at the backup',
    async () => {
      const database = await databaseOf(source);
      await kube.psql(
        source,
        `CREATE TABLE ${marker} (id int PRIMARY KEY, note text);
       INSERT INTO ${marker} SELECT i, 'before the backup ' || md5(i::text) FROM generate_series(1, 1000) i`,
        database,
      );
      const before = await tableChecksums(kube, source, database);
      const report = await runBackupNow();
      expect(report).toMatchObject({ msg: 'backup finished', outcome: 'ok', release });
      expect(report.name).toMatch(/^base-\d{8}T\d{6}Z$/);
      expect(report.bytes).toBeGreaterThan(1_000_000);
      // nothing wrote to the source while the backup ran: these are its tables as of the backup
      expect(await tableChecksums(kube, source, database)).toEqual(before);
      await kube.psql(source, `INSERT INTO ${marker} VALUES (0, 'after the backup')`, database);
      // the newest backup on the volume, as --list reads it
      const listed = (await dbRestore(['--list', release, ...valuesArgs])).stdout
        .trim()
        .split('\n');
      expect(JSON.parse(listed.at(-1) ?? '')).toEqual({
        name: report.name,
        bytes: expect.any(Number),
      });

      const { stdout } = await dbRestore([
        '--from',
        release,
        '--to',
        restoredRelease,
        '--backup',
        String(report.name),
        '--timeout',
        String(RESTORE_DEADLINE_S),
        ...valuesArgs,
      ]);
      expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toMatchObject({
        outcome: 'ok',
        backup: report.name,
        release: restoredRelease,
      });

      expect(await tableChecksums(kube, restored, database)).toEqual(before);
      expect(before.some((line) => line.startsWith(`public.${marker} 1000 `))).toBe(true);
      expect(
        await kube.psql(restored, `SELECT count(*) FROM ${marker} WHERE id = 0`, database),
      ).toEqual(['0']);
      expect(await kube.psql(restored, 'SELECT pg_is_in_recovery()')).toEqual(['f']);
      // its own standby streams from it, through a slot of its name
      await eventually(
        async () =>
          (await kube.psql(restored, 'SELECT state FROM pg_stat_replication')).join() ===
          'streaming',
        120_000,
        `${restoredRelease}'s standby streaming`,
      );
    },
    (JOB_DEADLINE_S + RESTORE_DEADLINE_S + 240) * 1000,
  );

  it('refuses to restore over a release that exists', async () => {
    await expect(dbRestore(['--from', release, '--to', release, ...valuesArgs])).rejects.toThrow(
      /never over its source/,
    );
    await expect(
      dbRestore(['--from', release, '--to', restoredRelease, ...valuesArgs]),
    ).rejects.toThrow(/is not fresh/);
    await expect(dbRestore(['--discard', release])).rejects.toThrow(/not made by a restore/);
  }, 120_000);
});
