#!/usr/bin/env bash
# Runs the quickstart app on the embedded defaults (no API key, no server needed). The app runs
# as one bundled file with plain node; it is rebuilt (in about a second) when missing or older
# than any source it is made from, which `find` checks without reading the files.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bundle=apps/quickstart/dist/quickstart.mjs
stale=
if [[ ! -f $bundle ]]; then
  stale=missing
else
  stale=$(find packages/*/src packages/*/package.json apps/quickstart/src \
    apps/quickstart/package.json apps/quickstart/build.mjs pnpm-lock.yaml \
    -newer "$bundle" -print -quit 2>/dev/null || echo unknown)
fi
if [[ -n $stale ]]; then
  echo "quickstart: building $bundle" >&2
  node apps/quickstart/build.mjs >&2
fi
exec node "$bundle" "$@"
