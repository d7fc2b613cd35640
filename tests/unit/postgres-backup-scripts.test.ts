import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESTORE_SCRIPT } from '../../scripts/postgres/restore-job.js';
import { renderChart } from '../support/helm-render.js';
import {
  type ContainerSpec,
  type K8sObject,
  type PodSpec,
  podSpecOf,
} from '../support/k8s-manifests.js';
import { type InitdbRun, runChartInitdbScript } from '../support/k8s-postgres-initdb.js';
import {
  postgresOwnedDir,
  removeDir,
  runScript,
  type ScratchServer,
  startScript,
  startServer,
} from '../support/k8s-postgres-standby.js';

/**
 * The backup CronJob's script of charts/postgres-shard and the restore Job's script of
 * `npm run db:restore`, run for real against a scratch primary: a backup killed at random moments
 * never leaves a folder that looks finished, retention keeps the newest `KEEP`, and a restored
 * copy starts (recovering from backup_label and the streamed WAL, no initdb) with the same data.
 */
const objects = renderChart('charts/postgres-shard', 'charts/postgres-shard/ci/backup-values.yaml');
const cronJob = objects.find((o) => o.kind === 'CronJob') as K8sObject;
const backupContainer = (podSpecOf(cronJob) as PodSpec).containers[0] as ContainerSpec;
const backupScript = (backupContainer.command as string[])[2] as string;
const CHECKSUM =
  "SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM marker t";

let primary: InitdbRun;
let root: string;
let target: string;
let socketDir: string;
let restored: ScratchServer | undefined;
beforeAll(() => {
  primary = runChartInitdbScript(objects);
  primary.query(
    'CREATE TABLE marker (id int PRIMARY KEY, v text); INSERT INTO marker SELECT i, md5(i::text) FROM generate_series(1, 20000) i',
  );
  root = postgresOwnedDir('backups-');
  target = postgresOwnedDir('restored-');
  socketDir = postgresOwnedDir('restored-sock-');
});
afterAll(() => {
  restored?.stop();
  primary?.stop();
  removeDir(root);
  removeDir(target);
  removeDir(socketDir);
});

const backupEnv = () => ({
  BACKUP_ROOT: root,
  KEEP: '2',
  RELEASE: 't',
  PRIMARY_HOST: primary.socket.PGHOST,
  PRIMARY_PORT: primary.socket.PGPORT,
  REPLICATION_USER: 'replicator',
});
const finished = () =>
  readdirSync(root)
    .filter((name) => name.startsWith('base-'))
    .sort();
const verify = (name: string) =>
  runScript('pg_verifybackup --quiet "$DIR"', { DIR: join(root, name, 'data') });

describe('the backup CronJob script', () => {
  it('never leaves an unfinished backup that looks finished, whenever it is killed', async () => {
    for (const delayMs of [0, 100, 300, 700, 1500]) {
      const run = startScript(backupScript, backupEnv());
      await sleep(delayMs);
      if (run.exitCode === null && run.pid !== undefined) process.kill(-run.pid, 'SIGKILL');
      await new Promise((resolve) =>
        run.exitCode === null ? run.once('exit', resolve) : resolve(null),
      );
      for (const name of finished()) {
        const check = verify(name);
        expect(check.code, `${name} after a kill at ${delayMs} ms: ${check.output}`).toBe(0);
      }
      // anything else is the lock or what an interrupted run left, which the next run removes
      for (const name of readdirSync(root).filter((n) => !n.startsWith('base-'))) {
        expect(name).toMatch(/^\.(lock|staging-base-.*|deleting-base-.*)$/);
      }
    }
  }, 120_000);

  it('takes a verified backup, reports it in one JSON line and keeps the newest KEEP', () => {
    const reports = [1, 2, 3].map(() => {
      const run = runScript(backupScript, backupEnv());
      expect(run.code, run.output).toBe(0);
      return JSON.parse(run.output.trim().split('\n').at(-1) as string);
    });
    const last = reports.at(-1);
    expect(last).toMatchObject({ msg: 'backup finished', outcome: 'ok', release: 't', kept: 2 });
    expect(last.bytes).toBeGreaterThan(1_000_000);
    expect(last.durationMs).toBeGreaterThan(0);
    expect(finished()).toEqual(reports.slice(-2).map((r) => r.name));
    expect(readdirSync(root).filter((n) => n.startsWith('.') && n !== '.lock')).toEqual([]);
    for (const name of finished()) expect(verify(name).code).toBe(0);
  }, 120_000);

  it('fails with a JSON line when the primary cannot be reached', () => {
    const run = runScript(
      backupScript.replace('+ 60 ))', '+ 2 ))').replace('within 60 s', 'within 2 s'),
      {
        ...backupEnv(),
        PRIMARY_PORT: '1',
      },
    );
    expect(run.code).not.toBe(0);
    // stdout (the JSON line) is captured apart from stderr (the reason), which follows it here
    const report = run.output.split('\n').find((line) => line.startsWith('{'));
    expect(JSON.parse(report as string)).toMatchObject({ outcome: 'error', release: 't' });
    expect(run.output).toMatch(/did not answer within 2 s|did not answer within 60 s/);
  }, 30_000);
});

describe('the restore Job script', () => {
  it('restores the newest backup into a fresh folder, which starts with the same data', () => {
    const expected = primary.query(CHECKSUM);
    const pgdata = join(target, 'pgdata');
    const run = runScript(RESTORE_SCRIPT, { BACKUP_ROOT: root, PGDATA: pgdata, BACKUP_NAME: '' });
    expect(run.code, run.output).toBe(0);
    expect(JSON.parse(run.output.trim())).toMatchObject({
      outcome: 'ok',
      backup: finished().at(-1),
    });
    expect(existsSync(`${pgdata}.restoring`)).toBe(false);
    expect(existsSync(join(pgdata, 'backup_label'))).toBe(true);

    // a second restore into the same place is refused
    const again = runScript(RESTORE_SCRIPT, { BACKUP_ROOT: root, PGDATA: pgdata, BACKUP_NAME: '' });
    expect([again.code, again.output]).toEqual([1, expect.stringMatching(/already exists/)]);

    restored = startServer(pgdata, socketDir);
    expect(restored.query('SELECT pg_is_in_recovery()')).toBe('f');
    const onRestored = runScript('psql -X -At -U postgres -d shard -c "$SQL"', {
      ...restored.socket,
      SQL: CHECKSUM,
    });
    expect(onRestored.output.trim()).toBe(expected);
  }, 120_000);
});
