#!/usr/bin/env bash
# Entrypoint of the postgres stand-in image (images/postgres/Containerfile), written for shardgate.
# It implements the documented interface of the official image's entrypoint as far as
# charts/postgres-shard relies on it; docs/containers.md lists what it leaves out.
#
#   POSTGRES_PASSWORD          superuser password; required to initialise, unless
#                              POSTGRES_HOST_AUTH_METHOD=trust
#   POSTGRES_USER              superuser name (default postgres)
#   POSTGRES_DB                database created at initialisation (default: POSTGRES_USER)
#   POSTGRES_INITDB_ARGS       extra initdb arguments, split on whitespace (no quoting)
#   POSTGRES_INITDB_WALDIR     initdb --waldir
#   POSTGRES_HOST_AUTH_METHOD  method of the `host all all all` line (default scram-sha-256)
#   PGDATA                     data directory (default /var/lib/postgresql/data)
#   <VAR>_FILE                 read POSTGRES_PASSWORD, _USER, _DB or _INITDB_ARGS from a file
#
# When PGDATA holds no cluster: initdb, a temporary server on the unix socket only, the database,
# /docker-entrypoint-initdb.d/* in name order, stop. Then `postgres "$@"` replaces this script.
#
# No `-u`: *.sh files that are not executable are sourced into this shell, as the official image
# does, and such scripts commonly read variables that may be unset.
set -Eeo pipefail

log() {
  printf '%s [entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$*" >&2
}

fail() {
  log "error: $*"
  exit 1
}

# NAME or NAME_FILE (a mounted secret), never both; exported, since the init scripts read them.
from_env_or_file() {
  local name=$1 default=$2
  local file_name="${name}_FILE"
  if [[ -n ${!name:-} && -n ${!file_name:-} ]]; then
    fail "both $name and $file_name are set; set one of them"
  fi
  local value=$default
  if [[ -n ${!name:-} ]]; then
    value=${!name}
  elif [[ -n ${!file_name:-} ]]; then
    value=$(<"${!file_name}")
  fi
  export "$name=$value"
  unset "$file_name"
}

# As root (a bare `podman run`), prepare the writable directories and come back as postgres: the
# server refuses to run as root. Kubernetes runs the image as uid 999 directly (the chart).
drop_root() {
  mkdir -p "$PGDATA" /var/run/postgresql || true
  chown postgres:postgres "$PGDATA" /var/run/postgresql || true
  chmod 0700 "$PGDATA" || true
  exec setpriv --reuid=postgres --regid=postgres --init-groups -- "${BASH_SOURCE[0]}" "$@"
}

# The data directory must exist and be ours with mode 0700 (0750 is accepted too), or postgres
# refuses it; a fresh volume mount is often group-owned and wider.
prepare_dirs() {
  mkdir -p "$PGDATA" || fail "cannot create PGDATA=$PGDATA: mount a writable volume there"
  if [[ -O $PGDATA ]]; then chmod 0700 "$PGDATA"; fi
  [[ -w /var/run/postgresql ]] ||
    fail "/var/run/postgresql is not writable (the socket goes there): mount an emptyDir"
}

run_initdb() {
  local args=(--username="$POSTGRES_USER" --auth-local=trust --auth-host=trust)
  if [[ -n $POSTGRES_INITDB_WALDIR ]]; then args+=(--waldir="$POSTGRES_INITDB_WALDIR"); fi
  local extra=()
  read -r -a extra <<<"$POSTGRES_INITDB_ARGS"
  if [[ -n $POSTGRES_PASSWORD ]]; then
    # The password reaches initdb through a pipe (/dev/fd/N), never argv or a file on disk.
    initdb "${args[@]}" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") "${extra[@]}"
  else
    initdb "${args[@]}" "${extra[@]}"
  fi
  # Every other address must authenticate; the container's own socket and loopback are trusted
  # (initdb's lines above), as the official image documents.
  printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
}

# psql on the temporary server's socket, as the superuser.
init_psql() {
  PGPASSWORD=$POSTGRES_PASSWORD psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password \
    --username "$POSTGRES_USER" --port "$init_port" "$@"
}

run_init_files() {
  local file
  shopt -s nullglob
  for file in /docker-entrypoint-initdb.d/*; do
    case $file in
      *.sh)
        if [[ -x $file ]]; then
          log "running $file"
          "$file"
        else
          log "sourcing $file"
          # shellcheck disable=SC1090
          . "$file"
        fi
        ;;
      *.sql)
        log "running $file"
        init_psql --dbname "$POSTGRES_DB" -f "$file"
        ;;
      *.sql.gz)
        log "running $file"
        gzip -dc "$file" | init_psql --dbname "$POSTGRES_DB"
        ;;
      *.sql.xz)
        log "running $file"
        xz -dc "$file" | init_psql --dbname "$POSTGRES_DB"
        ;;
      *)
        log "ignoring $file (not .sh, .sql, .sql.gz or .sql.xz)"
        ;;
    esac
  done
  shopt -u nullglob
}

initialise() {
  if [[ -z $POSTGRES_PASSWORD && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
    fail "PGDATA=$PGDATA holds no database and POSTGRES_PASSWORD is empty: set POSTGRES_PASSWORD" \
      "(or POSTGRES_HOST_AUTH_METHOD=trust to let anyone in without a password)"
  fi
  if [[ $POSTGRES_HOST_AUTH_METHOD == trust ]]; then
    log "warning: POSTGRES_HOST_AUTH_METHOD=trust: every connection is accepted without a password"
  fi
  log "initialising $PGDATA"
  run_initdb

  init_port=${PGPORT:-5432}
  # Unix socket only: nothing outside the container can connect before the scripts have run.
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -p $init_port" start

  if [[ $POSTGRES_DB != postgres ]]; then
    init_psql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  export PGPASSWORD=$POSTGRES_PASSWORD
  run_init_files
  unset PGPASSWORD

  pg_ctl -D "$PGDATA" -m fast -w stop
  log "initialisation done; starting postgres"
}

main() {
  # Options alone (`-c key=value`, as the chart passes) are options of postgres.
  if [[ ${1:-} == -* ]]; then set -- postgres "$@"; fi
  # Anything else (bash, pg_isready, pg_basebackup, ...) runs as it is.
  if [[ ${1:-} != postgres ]]; then exec "$@"; fi

  export PGDATA=${PGDATA:-/var/lib/postgresql/data}
  if [[ $(id -u) == 0 ]]; then drop_root "$@"; fi

  from_env_or_file POSTGRES_PASSWORD ''
  from_env_or_file POSTGRES_USER postgres
  from_env_or_file POSTGRES_DB "$POSTGRES_USER"
  from_env_or_file POSTGRES_INITDB_ARGS ''
  export POSTGRES_INITDB_WALDIR=${POSTGRES_INITDB_WALDIR:-}
  export POSTGRES_HOST_AUTH_METHOD=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

  prepare_dirs
  if [[ -s $PGDATA/PG_VERSION ]]; then
    log "PGDATA=$PGDATA already holds a database: skipping initialisation"
  else
    initialise
  fi
  exec "$@"
}

main "$@"
