import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderChart } from '../support/helm-render.js';
import { type K8sObject, podSpecOf } from '../support/k8s-manifests.js';
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
 * The scripts of charts/postgres-shard, run for real: the prepare-data initContainer against a
 * scratch primary (a standby's copy interrupted at random moments, then to the end; the primary's
 * own pod; a former primary after a failover), and the readiness probe against the standby it
 * seeded, streaming and then cut off from the primary.
 */

const objects = renderChart(
  'charts/postgres-shard',
  'charts/postgres-shard/ci/default-values.yaml',
);
const standbySet = objects.find(
  (o) => o.kind === 'StatefulSet' && o.metadata.name.endsWith('-standby'),
) as K8sObject;
const pod = podSpecOf(standbySet);
const bootstrap = (pod?.initContainers?.[0]?.command as string[] | undefined)?.[2] as string;
const readiness = (
  pod?.containers[0]?.readinessProbe as { exec: { command: string[] } } | undefined
)?.exec.command;
const POD_NAME = 'postgres-t-standby-0';
const SLOT = 'postgres_t_standby_0';
const PRIMARY_POD = 'postgres-t-primary-0';

let primary: InitdbRun;
let base: string;
let socketDir: string;
let standby: ScratchServer | undefined;
beforeAll(() => {
  primary = runChartInitdbScript(objects);
  base = postgresOwnedDir('standby-');
  socketDir = postgresOwnedDir('standby-sock-');
  writeFileSync(join(base, 'primary-pod'), PRIMARY_POD);
});
afterAll(() => {
  standby?.stop();
  primary?.stop();
  removeDir(base);
  removeDir(socketDir);
});

const pgdata = () => join(base, 'pgdata');
const scriptEnv = (podName = POD_NAME, mayInitialise = false) => ({
  PGDATA: pgdata(),
  POD_NAME: podName,
  MAY_INITIALISE: String(mayInitialise),
  PRIMARY_POD_FILE: join(base, 'primary-pod'),
  PRIMARY_HOST: primary.socket.PGHOST,
  PRIMARY_PORT: primary.socket.PGPORT,
  REPLICATION_USER: 'replicator',
});
const slots = () =>
  primary.query("SELECT slot_name || ':' || active FROM pg_replication_slots ORDER BY 1");

/** Runs the readiness probe's command in the standby's container environment. */
function probe(server: ScratchServer): { code: number; output: string } {
  const [shell, flag, script] = readiness as [string, string, string];
  expect([shell, flag]).toEqual(['/bin/bash', '-c']);
  return runScript(script, { ...server.socket });
}

async function until(what: string, check: () => boolean, deadlineMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > deadlineMs) throw new Error(`not within ${deadlineMs} ms: ${what}`);
    await sleep(200);
  }
}

describe('postgres-shard standby bootstrap', () => {
  it('completes after interruptions at any moment, with a slot of the pod’s name', async () => {
    // interrupted at random moments: before, during and after pg_basebackup
    for (const delayMs of [0, 150, 400, 900]) {
      const run = startScript(bootstrap, scriptEnv());
      await sleep(delayMs);
      if (run.exitCode === null && run.pid !== undefined) process.kill(-run.pid, 'SIGKILL');
      await new Promise((resolve) =>
        run.exitCode === null ? run.once('exit', resolve) : resolve(null),
      );
      // whatever was left, $PGDATA is a finished copy (pg_basebackup -R writes standby.signal
      // last) or absent; a finished one is removed, so that the final run copies again
      if (existsSync(pgdata())) {
        expect(existsSync(join(pgdata(), 'standby.signal')), `killed after ${delayMs} ms`).toBe(
          true,
        );
        removeDir(pgdata());
      }
    }
    const done = runScript(bootstrap, scriptEnv());
    expect(done.code, done.output).toBe(0);
    expect(done.output).toContain(`streaming through slot ${SLOT}`);
    expect(existsSync(`${pgdata()}.staging`)).toBe(false);
    expect(readFileSync(join(pgdata(), 'postgresql.auto.conf'), 'utf8')).toMatch(
      new RegExp(`primary_slot_name = '${SLOT}'`),
    );
    expect(slots()).toBe(`${SLOT}:false`);
    // a second start of the pod finds the copy and leaves it
    const again = runScript(bootstrap, scriptEnv());
    expect([again.code, again.output.trim()]).toEqual([
      0,
      'data directory already initialised; starting as standby',
    ]);
  }, 120_000);
});

describe('postgres-shard prepare-data, by the role the topology names', () => {
  it('the named primary keeps its data, or leaves an empty directory to initdb in its own set only', () => {
    // any initialised directory will do: the primary's pod never looks further
    const withData = runScript(bootstrap, scriptEnv(PRIMARY_POD));
    expect([withData.code, withData.output.trim()]).toEqual([
      0,
      'this pod is the primary; its data directory is initialised',
    ]);
    const empty = join(base, 'empty');
    const fresh = runScript(bootstrap, { ...scriptEnv(PRIMARY_POD, true), PGDATA: empty });
    expect([fresh.code, fresh.output.trim()]).toEqual([
      0,
      'this pod is the primary; the server initialises a new cluster',
    ]);
    // a standby pod named the primary with nothing to promote: never an empty primary
    writeFileSync(join(base, 'primary-pod'), POD_NAME);
    try {
      const refused = runScript(bootstrap, { ...scriptEnv(POD_NAME, false), PGDATA: empty });
      expect(refused.code).toBe(1);
      expect(refused.output).toContain('refusing to start an empty primary');
      expect(existsSync(empty)).toBe(false);
    } finally {
      writeFileSync(join(base, 'primary-pod'), PRIMARY_POD);
    }
  });

  it('sets a former primary’s data aside and seeds the pod as a standby of the named primary', () => {
    // the standby's copy, promoted as a failover would leave the old primary: no standby.signal
    const former = join(base, 'former');
    const copied = runScript(`cp -a "$SOURCE" "$TARGET" && rm "$TARGET/standby.signal"`, {
      SOURCE: pgdata(),
      TARGET: former,
    });
    expect(copied.code, copied.output).toBe(0);
    const run = runScript(bootstrap, { ...scriptEnv('postgres-t-standby-1'), PGDATA: former });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(
      `set a former primary's data aside in ${former}.former-primary; seeding as a standby of ${PRIMARY_POD}`,
    );
    expect(existsSync(join(former, 'standby.signal'))).toBe(true);
    expect(existsSync(join(`${former}.former-primary`, 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(`${former}.former-primary`, 'standby.signal'))).toBe(false);
    primary.query("SELECT pg_drop_replication_slot('postgres_t_standby_1')");
  }, 120_000);
});

describe('postgres-shard standby readiness', () => {
  it('is Ready while streaming, not Ready when cut off from the primary, Ready again after', async () => {
    standby = startServer(pgdata(), socketDir);
    const server = standby;
    await until('the standby streaming and its probe passing', () => probe(server).code === 0);
    expect(slots()).toBe(`${SLOT}:true`);
    // a server out of recovery is a primary (the chart's, or a promoted standby): Ready
    const onPrimary = runScript(readiness?.[2] as string, { ...primary.socket });
    expect([onPrimary.code, onPrimary.output.trim()]).toEqual([0, '']);

    const conninfo = server.query('SHOW primary_conninfo');
    server.query("ALTER SYSTEM SET primary_conninfo = 'host=/nonexistent port=1 user=replicator'");
    server.query('SELECT pg_reload_conf()');
    await until('the probe failing', () => probe(server).code !== 0);
    expect(probe(server).output.trim()).toBe('not streaming from the primary');

    server.query(`ALTER SYSTEM SET primary_conninfo = '${conninfo.replaceAll("'", "''")}'`);
    server.query('SELECT pg_reload_conf()');
    await until('the probe passing again', () => probe(server).code === 0);
  }, 120_000);
});
