import { toolJob } from './tool-job.js';

/** A backup's folder name, as the chart's backup CronJob makes them (`base-<UTC time>`). */
export const BACKUP_NAME = /^base-\d{8}T\d{6}Z$/;

/**
 * The restore Job's script. It copies the backup into a staging folder beside `$PGDATA`, checks
 * the copy against the backup's manifest with pg_verifybackup, and renames it to `$PGDATA` only
 * then: an interrupted restore never leaves a data directory the primary would start from. The
 * copy keeps backup_label and the WAL streamed during the backup, so Postgres recovers to a
 * consistent state on its first start (and the image's entrypoint, finding PG_VERSION, skips
 * initdb). An empty BACKUP_NAME takes the newest finished backup.
 */
export const RESTORE_SCRIPT = `set -Eeuo pipefail
umask 0077
started=$(date +%s%3N)
root="\${BACKUP_ROOT:-/backups}"
name="\${BACKUP_NAME:-}"
if [ -z "$name" ]; then
  name=$(find "$root" -mindepth 1 -maxdepth 1 -type d -name 'base-*' -printf '%f\\n' | sort | tail -n 1)
  [ -n "$name" ] || { echo "no finished backup in the backup volume" >&2; exit 1; }
fi
src="$root/$name/data"
[ -f "$src/backup_manifest" ] || { echo "$name: no such finished backup" >&2; exit 1; }
target="$PGDATA"
staging="$PGDATA.restoring"
[ ! -e "$target" ] || { echo "$target already exists: a restore goes into a fresh volume only" >&2; exit 1; }
rm -rf "$staging"
cp -a "$src" "$staging"
pg_verifybackup --quiet "$staging"
chmod 0700 "$staging"
sync
mv -T "$staging" "$target"
sync
printf '{"msg":"restore finished","outcome":"ok","backup":"%s","bytes":%s,"durationMs":%s}\\n' \\
  "$name" "$(du -sb "$target" | cut -f1)" "$(( $(date +%s%3N) - started ))"
`;

/** What {@link restoreJob} needs. */
export interface RestoreJobProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the Job and its pod. */
  readonly labels: Readonly<Record<string, string>>;
  /** The Postgres image of the release restored into (its pg_verifybackup matches its server). */
  readonly image: string;
  /** The source release's backup volume, mounted read-only. */
  readonly backupClaim: string;
  /** The fresh data volume of the release restored into. */
  readonly dataClaim: string;
  /** A folder name of {@link BACKUP_NAME}'s form; empty: the newest. */
  readonly backup: string;
}

/** The restore Job: {@link RESTORE_SCRIPT} with the backups read-only and the new data volume. */
export function restoreJob(props: RestoreJobProps): Record<string, unknown> {
  if (props.backup !== '' && !BACKUP_NAME.test(props.backup)) {
    throw new Error(`"${props.backup}" is not a backup name (base-YYYYMMDDTHHMMSSZ)`);
  }
  return toolJob({
    name: props.name,
    namespace: props.namespace,
    labels: props.labels,
    image: props.image,
    script: RESTORE_SCRIPT,
    env: [
      { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
      { name: 'BACKUP_NAME', value: props.backup },
    ],
    claims: {
      [props.backupClaim]: ['/backups', true],
      [props.dataClaim]: ['/var/lib/postgresql/data', false],
    },
  });
}

/** Lists the finished backups of the volume at /backups: one JSON line each, oldest first. */
export const LIST_SCRIPT = `set -euo pipefail
find /backups -mindepth 1 -maxdepth 1 -type d -name 'base-*' -printf '%f\n' | sort |
  while read -r name; do
    printf '{"name":"%s","bytes":%s}\n' "$name" "$(du -sb "/backups/$name" | cut -f1)"
  done
`;
