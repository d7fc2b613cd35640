{{/*
The backup pod's command: one base backup of the primary into $BACKUP_ROOT.

Safe to interrupt at any moment (pod deleted, deadline, node lost): the copy is taken into
.staging-<name> and renamed to <name> only once pg_basebackup has finished and pg_verifybackup has
checked every file against the backup's manifest and parsed its WAL; retention renames a backup to
.deleting-<name> before removing it. So a folder named base-* is always a whole, verified backup,
and whatever an interrupted run left is a dot-folder the next run removes. Plain format because
PG 15's pg_verifybackup reads only plain backups (tar support came in PG 18), and a restore is then
a copy. A lock on the volume keeps a run started by hand from overlapping a scheduled one. The
last line is one JSON summary; pg_basebackup authenticates with PGPASSWORD from the environment.
*/}}
{{- define "postgres-shard.backupCommand" -}}
command:
  - /bin/bash
  - -c
  - |
    set -Eeuo pipefail
    umask 0077
    root="$BACKUP_ROOT"
    started=$(date +%s%3N)
    name=""
    elapsed() { echo $(( $(date +%s%3N) - started )); }
    trap 'printf "{\"msg\":\"backup failed\",\"outcome\":\"error\",\"release\":\"%s\",\"name\":\"%s\",\"durationMs\":%s}\n" "$RELEASE" "$name" "$(elapsed)"' ERR
    exec 9>"$root/.lock"
    if ! flock -n 9; then
      printf '{"msg":"backup skipped: another run holds the lock","outcome":"skipped","release":"%s"}\n' "$RELEASE"
      exit 0
    fi
    # whatever runs that did not finish left behind: never a finished backup
    rm -rf "$root"/.staging-* "$root"/.deleting-*
    # named after the second it starts; a run in the same second as the last one waits a second
    name="base-$(date -u +%Y%m%dT%H%M%SZ)"
    while [ -e "$root/$name" ]; do sleep 1; name="base-$(date -u +%Y%m%dT%H%M%SZ)"; done
    # a new pod may be refused for a moment until the network plugin admits its address
    deadline=$(( $(date +%s) + 60 ))
    until pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT"; do
      if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "the primary $PRIMARY_HOST:$PRIMARY_PORT did not answer within 60 s" >&2
        false
      fi
      sleep 2
    done
    staging="$root/.staging-$name"
    mkdir "$staging"
    pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPLICATION_USER" --no-password \
      -D "$staging/data" -Fp -X stream -c fast --label="$name"
    pg_verifybackup --quiet "$staging/data"
    bytes=$(du -sb "$staging/data" | cut -f1)
    mv -T "$staging" "$root/$name"
    sync "$root"
    mapfile -t finished < <(find "$root" -mindepth 1 -maxdepth 1 -type d -name 'base-*' -printf '%f\n' | sort)
    excess=$(( ${#finished[@]} - KEEP ))
    removed=""
    for old in "${finished[@]:0:$(( excess > 0 ? excess : 0 ))}"; do
      mv -T "$root/$old" "$root/.deleting-$old"
      rm -rf "$root/.deleting-$old"
      removed="$removed${removed:+,}\"$old\""
    done
    printf '{"msg":"backup finished","outcome":"ok","release":"%s","name":"%s","bytes":%s,"durationMs":%s,"kept":%s,"removed":[%s]}\n' \
      "$RELEASE" "$name" "$bytes" "$(elapsed)" "$(( ${#finished[@]} - (excess > 0 ? excess : 0) ))" "$removed"
{{- end }}
