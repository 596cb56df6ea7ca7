#!/usr/bin/env bash
# Makes a fresh checkout runnable: pnpm (a version that runs on Node 20) and the workspace's
# dependencies. Safe to run again; it does nothing that is already done, and when nothing is to
# do it spawns no program (asking `pnpm --version` alone costs ~0.4 s).
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=10.34.9

# The version of the pnpm on PATH, read from the package.json of the npm package its executable
# belongs to; empty when pnpm is missing or not laid out that way (e.g. a standalone binary).
read_pnpm_version() {
  local bin manifest line name=''
  bin=$(command -v pnpm) || return 0
  bin=$(readlink -f "$bin") || return 0
  manifest="${bin%/*}/../package.json"
  [[ -f $manifest ]] || return 0
  while IFS= read -r line; do
    if [[ $line =~ ^\ \ \"name\":\ *\"([^\"]*)\" ]]; then
      name=${BASH_REMATCH[1]}
    elif [[ $line =~ ^\ \ \"version\":\ *\"([^\"]*)\" && $name == pnpm ]]; then
      echo "${BASH_REMATCH[1]}"
      return 0
    fi
  done <"$manifest"
}

installed=$(read_pnpm_version)
if [[ -z $installed ]] && command -v pnpm >/dev/null 2>&1; then
  installed=$(pnpm --version 2>/dev/null || true)
fi
if [[ $installed != "$PNPM_VERSION" ]]; then
  echo "bootstrap: installing pnpm@$PNPM_VERSION" >&2
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >&2
fi
if [[ ! -f node_modules/.modules.yaml || pnpm-lock.yaml -nt node_modules/.modules.yaml ]]; then
  echo "bootstrap: installing dependencies" >&2
  pnpm install --frozen-lockfile >&2
fi
