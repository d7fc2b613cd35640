/**
 * Parses a Postgres `pg_lsn` (`16/B374D848`) into a comparable number: WAL positions only grow,
 * so a replica has replayed a write once its replay position is at or past the write's position.
 */
export function parseLsn(lsn: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (!match) throw new Error(`not a pg_lsn: ${lsn}`);
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`);
}
