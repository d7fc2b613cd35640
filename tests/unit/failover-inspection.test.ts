import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  INSPECTION_SCRIPT,
  parseInspection,
} from '../../scripts/postgres/inspect-former-primary.js';
import { parseLsn } from '../../scripts/postgres/wal-position.js';
import { asPostgres, pgBin, stopScratchServer } from '../support/k8s-postgres-initdb.js';
import {
  postgresOwnedDir,
  removeDir,
  runScript,
  startServer,
} from '../support/k8s-postgres-standby.js';

/**
 * The failover script's inspection of a former primary (scripts/postgres/inspect-former-primary.ts),
 * its own script run on a scratch server's data with the machine's Postgres tools: after a crash,
 * it counts the commits written after the position a standby would have reached; after a clean
 * stop, none, and the state says so.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) removeDir(dir);
});

/** A fresh server; `commit` runs single-row transactions, `position` is its current WAL end. */
function scratchPrimary() {
  const dir = postgresOwnedDir('inspect-');
  dirs.push(dir);
  const data = join(dir, 'data');
  asPostgres(join(pgBin(), 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust']);
  const server = startServer(data, dir);
  server.query('CREATE TABLE t (v int)');
  return {
    data,
    server,
    position: () => server.query('SELECT pg_current_wal_lsn()'),
    commit: (n: number) => {
      for (let i = 0; i < n; i += 1) server.query(`INSERT INTO t VALUES (${i})`);
    },
  };
}

function inspect(data: string, from: string) {
  const run = runScript(INSPECTION_SCRIPT, { PGDATA: data, FROM: from });
  return parseInspection(run.output);
}

describe('the inspection of a former primary', () => {
  it('after a crash: the commits after the standby’s position are counted, up to where its WAL ends', () => {
    const primary = scratchPrimary();
    primary.commit(2);
    const received = primary.position(); // as far as a standby got
    primary.commit(3);
    const end = primary.position();
    stopScratchServer(primary.data); // -m immediate: no shutdown checkpoint
    const report = inspect(primary.data, received);
    expect(report.control.state).toBe('in production');
    expect(report.after.commits).toBe(3);
    expect(report.after.end).toBe(parseLsn(end));
  }, 60_000);

  it('after a clean stop, from the end of its WAL: nothing lost, the state says shut down', () => {
    const primary = scratchPrimary();
    const before = primary.position();
    primary.commit(3);
    asPostgres(join(pgBin(), 'pg_ctl'), ['-D', primary.data, '-m', 'fast', '-w', 'stop']);
    const control = inspect(primary.data, before).control;
    expect(control.state).toBe('shut down');
    // a standby that received the shutdown checkpoint record has received everything
    const past = `0/${(Number(control.checkpoint) + 1).toString(16).toUpperCase()}`;
    expect(inspect(primary.data, past).after.commits).toBe(0);
    // and one that had not got the last commits: they are counted
    expect(inspect(primary.data, before).after.commits).toBe(3);
    // a position whose WAL is gone: an error, never "nothing lost"
    expect(() => inspect(primary.data, '0/10')).toThrow(/did not read up to the end of the WAL/);
  }, 60_000);
});
