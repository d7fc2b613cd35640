# shellcheck shell=bash
# Where the contract fuzzer, Schemathesis, comes from, declared once. Sourced by bootstrap.sh.
# The version and every dependency are pinned in scripts/contract/requirements.txt; the venv lives
# in a cache keyed by version, `${SHARDGATE_CACHE:-$HOME/.cache/shardgate}/schemathesis-<version>/`.
# A venv names its own path in its scripts, so it cannot be built aside and renamed into place:
# a `complete` file written last marks it finished instead, and an unfinished one is rebuilt.
# tests/contract/support/schemathesis.ts finds it the same way.

SHARDGATE_SCHEMATHESIS_REQUIREMENTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/requirements.txt"

# The cache entry of the pinned version; the fuzzer is <entry>/venv/bin/st.
shardgate_schemathesis_home() {
  local version
  version="$(sed -n 's/^schemathesis==//p' "$SHARDGATE_SCHEMATHESIS_REQUIREMENTS")"
  if [ -z "$version" ]; then
    echo "schemathesis-env: $SHARDGATE_SCHEMATHESIS_REQUIREMENTS pins no schemathesis==<version>" >&2
    return 1
  fi
  echo "${SHARDGATE_CACHE:-$HOME/.cache/shardgate}/schemathesis-$version"
}

# Installs the pinned Schemathesis unless its entry is complete; returns 1 saying why when it cannot.
shardgate_install_schemathesis() {
  local home
  home="$(shardgate_schemathesis_home)" || return 1
  [ -f "$home/complete" ] && [ -x "$home/venv/bin/st" ] && return 0
  echo "bootstrap: installing Schemathesis from PyPI into $home (once)"
  rm -rf "$home"
  mkdir -p "$home"
  # --no-deps with the full pinned list: pip installs exactly what was reviewed, nothing newer
  if ! { python3 -m venv "$home/venv" &&
    "$home/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
      -r "$SHARDGATE_SCHEMATHESIS_REQUIREMENTS" &&
    "$home/venv/bin/st" --version >/dev/null; }; then
    rm -rf "$home"
    echo "bootstrap: could not install Schemathesis (python3 -m venv, then pip from PyPI)." >&2
    echo "  On Debian/Ubuntu the venv module is the python3-venv package." >&2
    return 1
  fi
  cp "$SHARDGATE_SCHEMATHESIS_REQUIREMENTS" "$home/complete"
}
