#!/usr/bin/env bash
# Finds the system tools the local stack and the tests need and installs the missing ones:
# Debian packages with apt-get when run as root (or with passwordless sudo), Helm with `go install`
# when Go is present, and the pinned Node.js from the npm registry when the machine's node is of an
# older major (scripts/node-env.sh). Otherwise it prints the exact command to run and exits 1.
# Idempotent, and silent when everything is already there.
#
#   bash scripts/bootstrap.sh             what the local stack and `npm test` need
#   bash scripts/bootstrap.sh --cluster   also what the local Kubernetes cluster needs
#                                         (`npm run cluster`, `npm run test:cluster`)
set -euo pipefail
# shellcheck source=scripts/node-env.sh
source "$(dirname "$0")/node-env.sh"
# shellcheck source=scripts/contract/schemathesis-env.sh
source "$(dirname "$0")/contract/schemathesis-env.sh"

# Pinned: charts are rendered and linted with this exact Helm.
HELM_VERSION="${HELM_VERSION:-v3.19.0}"

missing_packages=()

have_postgres() {
  [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ] && return 0
  compgen -G '/usr/lib/postgresql/*/bin/pg_basebackup' >/dev/null
}
have_nginx_auth_request() {
  command -v nginx >/dev/null 2>&1 && nginx -V 2>&1 | grep -q -- '--with-http_auth_request_module'
}

have_postgres || missing_packages+=(postgresql postgresql-contrib)
command -v redis-server >/dev/null 2>&1 || missing_packages+=(redis-server)
have_nginx_auth_request || missing_packages+=(nginx)
command -v prometheus >/dev/null 2>&1 || missing_packages+=(prometheus)
command -v wrk >/dev/null 2>&1 || missing_packages+=(wrk)
command -v python3 >/dev/null 2>&1 || missing_packages+=(python3)
# The browser suite (tests/e2e/browser-*.test.ts) drives Debian's Chromium with playwright-core;
# no browser is ever downloaded from elsewhere.
[ -x /usr/bin/chromium ] || missing_packages+=(chromium)
# the contract fuzzer's venv (Debian keeps `python3 -m venv` in a package of its own)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing_packages+=(python3-venv)

# The local cluster (scripts/cluster/host-tools.ts checks the same programs before it starts):
# containerd + runc run the pods, podman builds the images, mmdebstrap makes their Debian base,
# gcc + libc6-dev + binutils build the static pause program, busybox-static is the local-path
# helper pods' shell, iptables + ipset + conntrack serve kube-proxy and the NetworkPolicy firewall,
# Debian's CNI plugins wire the pods. skopeo reads back from the registry the digests of the images
# `npm run release` pushed (tests/stack/release.test.ts runs it against a loopback registry).
cluster_packages=(
  containerd runc podman conmon containernetworking-plugins mmdebstrap iptables ipset conntrack
  gcc libc6-dev binutils busybox-static curl openssl util-linux iproute2 skopeo
)
if [ "${1:-}" = "--cluster" ]; then
  for package in "${cluster_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
      missing_packages+=("$package")
  done
elif [ -n "${1:-}" ]; then
  echo "bootstrap: unknown option $1 (only --cluster)" >&2
  exit 2
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

if [ ${#missing_packages[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing_packages[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: no apt-get here; install these with your package manager: ${missing_packages[*]}" >&2
    exit 1
  fi
  # Debian's packages try to start their default services; the stack runs its own instances.
  policy_written=""
  if [ ! -e /usr/sbin/policy-rc.d ] && as_root true 2>/dev/null; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
    policy_written=1
  fi
  if ! { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing_packages[@]}" >/dev/null; }; then
    [ -n "$policy_written" ] && as_root rm -f /usr/sbin/policy-rc.d
    echo "bootstrap: could not install packages. Run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing_packages[*]}" >&2
    exit 1
  fi
  [ -n "$policy_written" ] && as_root rm -f /usr/sbin/policy-rc.d
fi

# Node.js: needs no root, only npm and the registry. (PATH changes only in this process.)
shardgate_use_node

helm_path() {
  if command -v helm >/dev/null 2>&1; then command -v helm; return 0; fi
  if command -v go >/dev/null 2>&1 && [ -x "$(go env GOPATH)/bin/helm" ]; then
    echo "$(go env GOPATH)/bin/helm"; return 0
  fi
  return 1
}

if ! helm_path >/dev/null; then
  if command -v go >/dev/null 2>&1; then
    echo "bootstrap: building Helm ${HELM_VERSION} with go install (a few minutes, once)"
    (cd "$(mktemp -d)" && GOFLAGS=-mod=mod go install "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}")
  else
    echo "bootstrap: Helm is missing and Go is not installed. Install Go, then run:" >&2
    echo "  go install helm.sh/helm/v3/cmd/helm@${HELM_VERSION}" >&2
    exit 1
  fi
fi
# Put Helm on the PATH of every shell when we may.
if ! command -v helm >/dev/null 2>&1 && [ -w /usr/local/bin ]; then
  ln -sf "$(helm_path)" /usr/local/bin/helm
fi

# The contract fuzzer (tests/contract), pinned in scripts/contract/requirements.txt: no root needed.
shardgate_install_schemathesis || exit 1

# The local stack builds Mailpit, its SMTP server, from its Go module on first start
# (scripts/stack/mailpit.ts): say so now rather than when `up` is half done.
if ! command -v go >/dev/null 2>&1; then
  echo "bootstrap: Go is not installed, and the local stack builds Mailpit (its SMTP server) from" >&2
  echo "  its Go module. Install Go 1.24 or newer and put it on PATH (a newer toolchain that" >&2
  echo "  Mailpit needs is fetched from the Go module proxy), then run this again." >&2
  exit 1
fi
