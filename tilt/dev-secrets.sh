#!/usr/bin/env bash
# Creates the Secrets the dev manifests reference (names and keys: cdk8s/README.md, "Secrets"), with
# random values, in the namespace `shardgate` of the current (or $KUBE_CONTEXT) cluster.
#
# Idempotent and never destructive: a Secret that already exists is left exactly as it is, so a
# second `tilt up` keeps the databases' passwords. The URL Secrets are built from the passwords
# stored in the credential Secrets (read back from the cluster), so they always agree with them,
# even when only some Secrets were deleted. To start over: `kubectl delete namespace shardgate`.
#
# Usage: bash tilt/dev-secrets.sh      (Tilt runs it before anything else is deployed)
# Needs: kubectl, node (random values and the Ed25519 signing key come from node:crypto).
set -euo pipefail
cd "$(dirname "$0")/.."

NAMESPACE=shardgate
CLUSTER_DOMAIN="${NAMESPACE}.svc.cluster.local"

kube() {
  if [ -n "${KUBE_CONTEXT:-}" ]; then
    kubectl --context "$KUBE_CONTEXT" "$@"
  else
    kubectl "$@"
  fi
}

for tool in kubectl node; do
  command -v "$tool" >/dev/null 2>&1 || { echo "dev-secrets: $tool is required" >&2; exit 1; }
done

# The namespace first (with its labels: Pod Security "restricted"); Tilt applies the same file.
if [ -f k8s/dev/namespace.k8s.yaml ]; then
  kube apply -f k8s/dev/namespace.k8s.yaml >/dev/null
else
  kube create namespace "$NAMESPACE" --dry-run=client -o yaml | kube apply -f - >/dev/null
fi

# 32 hex characters: URL-safe, so the connection URLs need no escaping.
random_hex() {
  node -e "process.stdout.write(require('node:crypto').randomBytes(16).toString('hex'))"
}

secret_exists() {
  kube -n "$NAMESPACE" get secret "$1" -o name >/dev/null 2>&1
}

# secret_value NAME KEY: the decoded value of one key of an existing Secret.
secret_value() {
  local encoded
  # Dots in the key are escaped for jsonpath.
  encoded="$(kube -n "$NAMESPACE" get secret "$1" -o "jsonpath={.data.${2//./\\.}}")"
  if [ -z "$encoded" ]; then
    echo "dev-secrets: Secret $1 has no key $2; delete it and run again" >&2
    exit 1
  fi
  printf '%s' "$encoded" | base64 -d
}

# create_secret NAME ARGS...: `kubectl create secret generic` arguments (--from-literal, --from-file).
create_secret() {
  local name="$1"
  shift
  if secret_exists "$name"; then
    echo "dev-secrets: $name exists, kept"
    return 0
  fi
  kube -n "$NAMESPACE" create secret generic "$name" "$@" --dry-run=client -o yaml |
    kube apply -f - >/dev/null
  echo "dev-secrets: $name created"
}

# The API's shards: those whose Postgres cluster the synthesized infrastructure has (shard0, shard1,
# and any added in cdk8s/src/environments.ts).
shards=()
while IFS= read -r shard; do shards+=("$shard"); done < <(
  grep -oE 'postgres-shard[0-9]+-credentials' k8s/dev/infrastructure.k8s.yaml |
    sed -E 's/^postgres-(shard[0-9]+)-credentials$/\1/' | sort -u -V
)
if [ ${#shards[@]} -eq 0 ]; then
  echo "dev-secrets: no postgres-shard<N> in k8s/dev/infrastructure.k8s.yaml; run npm run synth" >&2
  exit 1
fi

# 1. Passwords of the Postgres clusters and of Redis (keys per charts/postgres-shard and charts/redis).
for cluster in auth "${shards[@]}"; do
  create_secret "postgres-${cluster}-credentials" \
    --from-literal=postgres-password="$(random_hex)" \
    --from-literal=replication-password="$(random_hex)" \
    --from-literal=app-password="$(random_hex)"
done
create_secret redis-credentials --from-literal=redis-password="$(random_hex)"

# 2. The services' connection URLs, from the passwords actually stored in step 1.
pg_url() { # pg_url CLUSTER SUFFIX(rw|ro)
  printf 'postgresql://app:%s@postgres-%s-%s.%s:5432/%s' \
    "$(secret_value "postgres-$1-credentials" app-password)" "$1" "$2" "$CLUSTER_DOMAIN" "$1"
}
if ! secret_exists auth-database; then
  create_secret auth-database \
    --from-literal=DATABASE_URL="$(pg_url auth rw)" \
    --from-literal=DATABASE_REPLICA_URLS="$(pg_url auth ro)"
else
  echo "dev-secrets: auth-database exists, kept"
fi
if ! secret_exists api-database; then
  # SHARD_<n>_PRIMARY_URL / SHARD_<n>_REPLICA_URLS per shard, as services/api/src/config.ts reads them.
  # A shard added later needs the Secret made again: delete api-database and run this script.
  shard_urls=()
  for shard in "${shards[@]}"; do
    shard_urls+=(--from-literal="SHARD_${shard#shard}_PRIMARY_URL=$(pg_url "$shard" rw)")
    shard_urls+=(--from-literal="SHARD_${shard#shard}_REPLICA_URLS=$(pg_url "$shard" ro)")
  done
  create_secret api-database "${shard_urls[@]}"
else
  echo "dev-secrets: api-database exists, kept"
fi
for service in auth api; do
  if ! secret_exists "${service}-redis"; then
    create_secret "${service}-redis" --from-literal=REDIS_URL="$(
      printf 'redis://:%s@redis.%s:6379/0' "$(secret_value redis-credentials redis-password)" \
        "$CLUSTER_DOMAIN"
    )"
  else
    echo "dev-secrets: ${service}-redis exists, kept"
  fi
done

# 3. The auth service's signing key: a private Ed25519 JWK in `<kid>.jwk.json` (docs/operations.md).
if ! secret_exists auth-signing-keys; then
  key_dir="$(mktemp -d)"
  trap 'rm -rf "$key_dir"' EXIT
  kid="$(node -e "
    const { generateKeyPairSync, randomBytes } = require('node:crypto');
    const { writeFileSync } = require('node:fs');
    const kid = 'ed25519-' + new Date().toISOString().slice(0, 10) + '-' + randomBytes(4).toString('hex');
    const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    writeFileSync(process.argv[1] + '/' + kid + '.jwk.json',
      JSON.stringify({ ...jwk, kid, alg: 'EdDSA', use: 'sig' }), { mode: 0o600 });
    process.stdout.write(kid);
  " "$key_dir")"
  create_secret auth-signing-keys --from-file="${kid}.jwk.json=${key_dir}/${kid}.jwk.json"
else
  echo "dev-secrets: auth-signing-keys exists, kept"
fi
