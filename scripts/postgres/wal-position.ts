/**
 * Write-ahead log positions and what Postgres' own tools print about a data directory: the pure
 * half of the failover script's check of a former primary (scripts/postgres/failover.ts).
 * @packageDocumentation
 */

/** A WAL position as Postgres prints it (`16/B374D848`), as a number of bytes. */
export type Lsn = bigint;

const LSN_PATTERN = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i;

/** Parses `X/Y` (two hexadecimal halves); throws on anything else. */
export function parseLsn(text: string): Lsn {
  const match = LSN_PATTERN.exec(text.trim());
  if (!match) throw new Error(`not a WAL position: ${JSON.stringify(text)}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** Prints a position as Postgres does (upper-case halves, the second without leading zeros). */
export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The lines of `pg_controldata` that say where and how a server stopped. */
export interface ControlData {
  /** `shut down` after a clean stop; `in production` after a crash (or while running). */
  readonly state: string;
  /** Where its last checkpoint record starts (a clean stop's shutdown checkpoint). */
  readonly checkpoint: Lsn;
  /** The timeline of that checkpoint. */
  readonly timeline: number;
}

/** Reads {@link ControlData} from `pg_controldata`'s output (C locale). */
export function parseControlData(output: string): ControlData {
  const field = (label: string): string => {
    const line = output.split('\n').find((l) => l.startsWith(`${label}:`));
    if (line === undefined) throw new Error(`pg_controldata printed no "${label}" line`);
    return line.slice(label.length + 1).trim();
  };
  return {
    state: field('Database cluster state'),
    checkpoint: parseLsn(field('Latest checkpoint location')),
    timeline: Number(field("Latest checkpoint's TimeLineID")),
  };
}

/** What `pg_waldump` found in a former primary's WAL from a given position on. */
export interface WalTail {
  /** Commit records (transactions whose client was told they committed). */
  readonly commits: number;
  /** Every record. */
  readonly records: number;
  /** Where the valid WAL ends. */
  readonly end: Lsn;
}

/**
 * Counts the records of `pg_waldump`'s output and reads where the WAL ends from its closing error
 * (`invalid record length at X/Y`, or `could not find a valid record after X/Y` when nothing
 * follows the start at all). Throws when the output shows no such end: pg_waldump stopped early.
 */
export function parseWalDump(output: string): WalTail {
  let commits = 0;
  let records = 0;
  let end: Lsn | undefined;
  for (const line of output.split('\n')) {
    // an error may be glued to the last record's line (stdout and stderr share a terminal)
    if (line.startsWith('rmgr: ')) {
      records += 1;
      if (/\bdesc: COMMIT\b/.test(line)) commits += 1;
    }
    const stop =
      /invalid record length at ([0-9A-F]+\/[0-9A-F]+)/i.exec(line) ??
      /could not find a valid record after ([0-9A-F]+\/[0-9A-F]+)/i.exec(line) ??
      /invalid magic number [0-9A-F]+ in .* offset \d+.*? at ([0-9A-F]+\/[0-9A-F]+)/i.exec(line) ??
      /record with incorrect prev-link [0-9A-F]+\/[0-9A-F]+ at ([0-9A-F]+\/[0-9A-F]+)/i.exec(line);
    if (stop?.[1] !== undefined) end = parseLsn(stop[1]);
  }
  if (end === undefined) {
    // it stopped for another reason (a missing segment, a wrong timeline): nothing can be said
    // about what was lost, least of all "nothing"
    throw new Error(
      `pg_waldump did not read up to the end of the WAL:\n${output.trim().slice(-1000)}`,
    );
  }
  return { commits, records, end };
}
