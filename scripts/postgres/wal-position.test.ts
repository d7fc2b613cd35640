import { describe, expect, it } from 'vitest';
import { parseInspection } from './inspect-former-primary.js';
import { formatLsn, parseControlData, parseLsn, parseWalDump } from './wal-position.js';

describe('WAL positions', () => {
  it('reads and prints X/Y as Postgres does, and orders them as numbers', () => {
    expect(parseLsn('0/15168E0')).toBe(0x15168e0n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(parseLsn('16/0B374D84'))).toBe('16/B374D84');
    expect(parseLsn('0/9') < parseLsn('0/10')).toBe(true);
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
    for (const bad of ['', '0', '0/', 'x/1', '1/2/3', '123456789/0']) {
      expect(() => parseLsn(bad), bad).toThrow(/not a WAL position/);
    }
  });
});

// pg_controldata and pg_waldump of PostgreSQL 15, as printed by a scratch server stopped cleanly
// after three single-row commits (C locale)
const CONTROL = `pg_control version number:            1300
Database cluster state:               shut down
Latest checkpoint location:           0/1516868
Latest checkpoint's REDO location:    0/1516868
Latest checkpoint's TimeLineID:       1
Latest checkpoint's PrevTimeLineID:   1
`;
const COMMIT = (tx: number, lsn: string) =>
  `rmgr: Transaction len (rec/tot):     34/    34, tx:        ${tx}, lsn: ${lsn}, prev 0/01516730, desc: COMMIT 2026-12-04 19:31:19.097305 UTC`;

describe("what Postgres' tools say about a stopped primary", () => {
  it('pg_controldata: how it stopped, where its last checkpoint is, on which timeline', () => {
    expect(parseControlData(CONTROL)).toEqual({
      state: 'shut down',
      checkpoint: parseLsn('0/1516868'),
      timeline: 1,
    });
    expect(() => parseControlData('garbage')).toThrow(/Database cluster state/);
  });

  it('pg_waldump: the commits after a position, and where the WAL ends (even glued to a record)', () => {
    const dump = [
      COMMIT(725, '0/01516770'),
      COMMIT(726, '0/015167D8'),
      `${COMMIT(727, '0/01516840')}pg_waldump: error: error in WAL record at 0/1516868: invalid record length at 0/15168E0: wanted 24, got 0`,
    ].join('\n');
    expect(parseWalDump(dump)).toEqual({ commits: 3, records: 3, end: parseLsn('0/15168E0') });
    // nothing after the start: no commit lost
    expect(
      parseWalDump('pg_waldump: error: could not find a valid record after 0/15168E0\n'),
    ).toEqual({ commits: 0, records: 0, end: parseLsn('0/15168E0') });
    // an abort is not a commit
    const end =
      'pg_waldump: error: error in WAL record at 0/2: invalid record length at 0/3: wanted 24, got 0';
    expect(parseWalDump(`${COMMIT(9, '0/1').replace('COMMIT', 'ABORT')}\n${end}`).commits).toBe(0);
    // stopped for another reason: no figure at all
    expect(() =>
      parseWalDump(
        `${COMMIT(9, '0/1')}\npg_waldump: error: could not find file "000000010000000000000000"`,
      ),
    ).toThrow(/did not read up to the end/);
  });

  it('the inspection pod: both sections, or an error that shows what it printed', () => {
    const output = `== controldata\n${CONTROL}== waldump\n${COMMIT(1, '0/2')}\npg_waldump: error: could not find a valid record after 0/3\n\n== end\n`;
    expect(parseInspection(output)).toEqual({
      control: parseControlData(CONTROL),
      after: { commits: 1, records: 1, end: parseLsn('0/3') },
    });
    expect(() => parseInspection('pg_controldata: could not open file')).toThrow(
      /no controldata section[\s\S]*could not open file/,
    );
  });
});
