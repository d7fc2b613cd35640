/** Mebibytes in a Kubernetes quantity of bytes (`512Mi`, `1Gi`, `20Gi`); other units are refused. */
function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi|Ti)$/.exec(quantity);
  if (!match) throw new Error(`a volume size in Mi, Gi or Ti is expected, got "${quantity}"`);
  return Number(match[1]) * { Mi: 1, Gi: 1024, Ti: 1024 * 1024 }[match[2] as 'Mi' | 'Gi' | 'Ti'];
}

/**
 * `max_slot_wal_keep_size` for a primary on a volume of `storage`: a quarter of it. A standby that
 * is away keeps its replication slot, and the primary keeps WAL for it up to this bound; the
 * chart's own default (2GB) would fill a small volume (dev: 1Gi) before the slot is given up.
 */
export function slotWalKeepWithin(storage: string): string {
  return `${Math.floor(mebibytes(storage) / 4)}MB`;
}

/**
 * Size of a cluster's backup volume: `keep` finished backups plus the one being taken, each at
 * most a full data volume of `storage` (plain copies, WAL included), so backups never run out of
 * room before the database does. In Gi when whole, like the inputs.
 */
export function backupStorageFor(storage: string, keep: number): string {
  const total = mebibytes(storage) * (keep + 1);
  return total % 1024 === 0 ? `${total / 1024}Gi` : `${total}Mi`;
}
