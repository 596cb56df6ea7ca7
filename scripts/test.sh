#!/usr/bin/env bash
# The whole test suite: lint (cached by turbo), type-check (tsc -b), the package tarballs
# (scripts/check-packages.mjs), every vitest project.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
bash scripts/bootstrap.sh
bash scripts/ensure-postgres.sh
bash scripts/ensure-redis.sh
bash scripts/ensure-chromium.sh
swift_env=$(bash scripts/ensure-swift.sh); set -a; eval "$swift_env"; set +a
pnpm exec turbo run lint --output-logs=errors-only
pnpm exec tsc -b
# Needs the build: packs every package and lints each tarball (publint, attw, contents).
node scripts/check-packages.mjs
# Needs the build too: exports vs packages/*/etc/*.api.md (pnpm run api:update), then knip.
node scripts/api-report.mjs && pnpm exec knip
pnpm exec vitest run "$@"
