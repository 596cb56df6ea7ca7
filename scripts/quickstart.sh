#!/usr/bin/env bash
# Runs the quickstart app on the embedded defaults (no API key, no server needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec pnpm exec tsx --conditions=@ferrite/source apps/quickstart/src/main.ts "$@"
