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
# Needs: kubectl, node (random values and the Ed25519 signing key come from node:crypto), openssl
# (the dev Mailpit's certificate).
set -euo pipefail
cd "$(dirname "$0")/.."

# No value is ever a command-line argument (any user of the machine can read those in `ps`): each
# one is written to a file in a private folder (mode 700, files 600), handed to kubectl with
# --from-file and removed, the folder with it when the script exits.
umask 077
secret_dir="$(mktemp -d)"
chmod 700 "$secret_dir"
trap 'rm -rf "$secret_dir"' EXIT

NAMESPACE=shardgate
CLUSTER_DOMAIN="${NAMESPACE}.svc.cluster.local"

kube() {
  if [ -n "${KUBE_CONTEXT:-}" ]; then
    kubectl --context "$KUBE_CONTEXT" "$@"
  else
    kubectl "$@"
  fi
}

for tool in kubectl node openssl; do
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

# create_secret NAME KEY VALUE [KEY VALUE ...]: a generic Secret with those keys, unless one exists.
# Shell functions and builtins (printf) start no process, so the values stay off command lines.
create_secret() {
  local name="$1"
  shift
  if secret_exists "$name"; then
    echo "dev-secrets: $name exists, kept"
    return 0
  fi
  local dir="$secret_dir/$name" args=()
  mkdir -m 700 "$dir"
  while [ $# -gt 0 ]; do
    printf '%s' "$2" >"$dir/$1"
    args+=(--from-file="$1=$dir/$1")
    shift 2
  done
  kube -n "$NAMESPACE" create secret generic "$name" "${args[@]}" --dry-run=client -o yaml |
    kube apply -f - >/dev/null
  rm -rf "$dir"
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
    postgres-password "$(random_hex)" \
    replication-password "$(random_hex)" \
    app-password "$(random_hex)"
done
create_secret redis-credentials redis-password "$(random_hex)"

# 2. The services' connection URLs, from the passwords actually stored in step 1.
pg_url() { # pg_url CLUSTER SUFFIX(rw|ro)
  printf 'postgresql://app:%s@postgres-%s-%s.%s:5432/%s' \
    "$(secret_value "postgres-$1-credentials" app-password)" "$1" "$2" "$CLUSTER_DOMAIN" "$1"
}
if ! secret_exists auth-database; then
  create_secret auth-database \
    DATABASE_URL "$(pg_url auth rw)" \
    DATABASE_REPLICA_URLS "$(pg_url auth ro)"
else
  echo "dev-secrets: auth-database exists, kept"
fi
if ! secret_exists api-database; then
  # SHARD_<n>_PRIMARY_URL / SHARD_<n>_REPLICA_URLS per shard, as services/api/src/config.ts reads them.
  # A shard added later needs the Secret made again: delete api-database and run this script.
  shard_urls=()
  for shard in "${shards[@]}"; do
    shard_urls+=("SHARD_${shard#shard}_PRIMARY_URL" "$(pg_url "$shard" rw)")
    shard_urls+=("SHARD_${shard#shard}_REPLICA_URLS" "$(pg_url "$shard" ro)")
  done
  create_secret api-database "${shard_urls[@]}"
else
  echo "dev-secrets: api-database exists, kept"
fi
for service in auth api; do
  if ! secret_exists "${service}-redis"; then
    create_secret "${service}-redis" REDIS_URL "$(
      printf 'redis://:%s@redis.%s:6379/0' "$(secret_value redis-credentials redis-password)" \
        "$CLUSTER_DOMAIN"
    )"
  else
    echo "dev-secrets: ${service}-redis exists, kept"
  fi
done

# 3. The key that encrypts the auth service's TOTP seeds at rest: 32 random bytes, base64url.
create_secret auth-mfa MFA_ENCRYPTION_KEY "$(
  node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('base64url'))"
)"

# 4. The auth service's signing key: a private Ed25519 JWK in `<kid>.jwk.json` (docs/operations.md).
if ! secret_exists auth-signing-keys; then
  # node writes the key to a file of the private folder; only its kid comes back on stdout.
  kid="$(node -e "
    const { generateKeyPairSync, randomBytes } = require('node:crypto');
    const { writeFileSync } = require('node:fs');
    const kid = 'ed25519-' + new Date().toISOString().slice(0, 10) + '-' + randomBytes(4).toString('hex');
    const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    writeFileSync(process.argv[1] + '/signing.jwk.json',
      JSON.stringify({ ...jwk, kid, alg: 'EdDSA', use: 'sig' }), { mode: 0o600 });
    process.stdout.write(kid);
  " "$secret_dir")"
  jwk="$(<"$secret_dir/signing.jwk.json")"
  rm -f "$secret_dir/signing.jwk.json"
  create_secret auth-signing-keys "${kid}.jwk.json" "$jwk"
else
  echo "dev-secrets: auth-signing-keys exists, kept"
fi

# 5. Mail (k8s/dev/mailpit.k8s.yaml): Mailpit requires STARTTLS and SMTP authentication, as a real
# relay does, so the auth service's production-mode settings run whole.
#    mailpit-tls: a certificate for the Service's names, signed by a CA made here for it alone; the
#    CA's key is thrown away at once (nothing can sign another certificate with it), and the auth
#    pods trust its certificate (`ca.crt`) through NODE_EXTRA_CA_CERTS.
if ! secret_exists mailpit-tls; then
  tls_dir="$secret_dir/mailpit-pki"
  mkdir -m 700 "$tls_dir"
  mailpit_host="mailpit.${NAMESPACE}"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -keyout "$tls_dir/ca.key" -out "$tls_dir/ca.crt" -subj "/CN=shardgate dev mail CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tls_dir/tls.key" -out "$tls_dir/tls.csr" -subj "/CN=${mailpit_host}.svc" 2>/dev/null
  printf '%s\n' \
    "subjectAltName=DNS:mailpit,DNS:${mailpit_host},DNS:${mailpit_host}.svc,DNS:${mailpit_host}.svc.cluster.local" \
    'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' >"$tls_dir/ext"
  openssl x509 -req -in "$tls_dir/tls.csr" -CA "$tls_dir/ca.crt" -CAkey "$tls_dir/ca.key" \
    -CAcreateserial -days 3650 -extfile "$tls_dir/ext" -out "$tls_dir/tls.crt" 2>/dev/null
  rm -f "$tls_dir/ca.key"
  # $(<file) drops the final newline, which PEM readers expect: put it back.
  create_secret mailpit-tls ca.crt "$(<"$tls_dir/ca.crt")"$'\n' \
    tls.crt "$(<"$tls_dir/tls.crt")"$'\n' tls.key "$(<"$tls_dir/tls.key")"$'\n'
  rm -rf "$tls_dir"
else
  echo "dev-secrets: mailpit-tls exists, kept"
fi
#    mailpit-smtp-users: Mailpit's password file (`user:password` lines); auth-smtp: the same
#    credentials for the auth service, read back from it so that the two always agree.
create_secret mailpit-smtp-users smtp-users "shardgate:$(random_hex)"
if ! secret_exists auth-smtp; then
  smtp_line="$(secret_value mailpit-smtp-users smtp-users)"
  create_secret auth-smtp SMTP_USER "${smtp_line%%:*}" SMTP_PASSWORD "${smtp_line#*:}"
else
  echo "dev-secrets: auth-smtp exists, kept"
fi
