import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderChart } from '../support/helm-render.js';
import { type K8sObject, podSpecOf } from '../support/k8s-manifests.js';
import { type InitdbRun, runInitdbScript } from '../support/k8s-postgres-initdb.js';
import {
  postgresOwnedDir,
  removeDir,
  runScript,
  type ScratchServer,
  startScript,
  startServer,
} from '../support/k8s-postgres-standby.js';

/**
 * The standby's scripts of charts/postgres-shard, run for real: the pg_basebackup initContainer
 * against a scratch primary (interrupted at random moments, then to the end), and the readiness
 * probe against the standby it seeded, streaming and then cut off from the primary.
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
const initdbScript = (
  objects.find((o) => o.kind === 'ConfigMap')?.data as Record<string, string> | undefined
)?.['10-replication.sh'] as string;
const POD_NAME = 'postgres-t-standby-0';
const SLOT = 'postgres_t_standby_0';

let primary: InitdbRun;
let base: string;
let socketDir: string;
let standby: ScratchServer | undefined;
beforeAll(() => {
  primary = runInitdbScript(initdbScript, {
    POSTGRES_DB: 'shard',
    APP_USER: 'app',
    APP_PASSWORD: 'app-password',
    REPLICATION_USER: 'replicator',
    REPLICATION_PASSWORD: 'replication-password',
  });
  base = postgresOwnedDir('standby-');
  socketDir = postgresOwnedDir('standby-sock-');
});
afterAll(() => {
  standby?.stop();
  primary?.stop();
  removeDir(base);
  removeDir(socketDir);
});

const pgdata = () => join(base, 'pgdata');
const scriptEnv = () => ({
  PGDATA: pgdata(),
  POD_NAME,
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

describe('postgres-shard standby readiness', () => {
  it('is Ready while streaming, not Ready when cut off from the primary, Ready again after', async () => {
    standby = startServer(pgdata(), socketDir);
    const server = standby;
    await until('the standby streaming and its probe passing', () => probe(server).code === 0);
    expect(slots()).toBe(`${SLOT}:true`);
    // the primary is not a standby: its own data is not "streaming"
    const onPrimary = runScript(readiness?.[2] as string, { ...primary.socket });
    expect([onPrimary.code, onPrimary.output.trim()]).toEqual([1, 'not in recovery']);

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
