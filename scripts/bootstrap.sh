#!/usr/bin/env bash
# Makes a fresh checkout runnable: pnpm (a version that runs on Node 20) and the workspace's
# dependencies. Safe to run again; it does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=10.34.9
if ! command -v pnpm >/dev/null 2>&1 || [[ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]]; then
  echo "bootstrap: installing pnpm@$PNPM_VERSION" >&2
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >&2
fi
if [[ ! -f node_modules/.modules.yaml || pnpm-lock.yaml -nt node_modules/.modules.yaml ]]; then
  echo "bootstrap: installing dependencies" >&2
  pnpm install --frozen-lockfile >&2
fi
