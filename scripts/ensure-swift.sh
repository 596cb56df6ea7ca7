#!/usr/bin/env bash
# Starts the OpenStack Swift S3 endpoint the artifact tests run against (../shared/swift-s3,
# a sibling of the repository) and prints its settings as SWIFT_S3_* lines on stdout, for
# `set -a; eval ...; set +a`. Swift answers a conditional PutObject with 501, so it is the
# store that keeps S3ArtifactService honest about stores without conditional writes.
#
# Its own state directory and ports (not Swift's defaults, so a server on 8080 or another
# Swift is left alone); override with SWIFT_DIR, SWIFT_S3_PORT, SWIFT_OBJECT_PORT,
# SWIFT_CONTAINER_PORT, SWIFT_ACCOUNT_PORT, SWIFT_MEMCACHE_PORT; SWIFT_S3_START names another start.sh.
#
# Without the shared folder (or when Swift does not start): under CI (CI set, not false/0)
# it exits 1, so the suite fails loudly; elsewhere it prints nothing and the Swift tests
# skip, naming the reason. Stop it with: SWIFT_DIR=/tmp/ferrite-swift-s3 ../shared/swift-s3/stop.sh
set -uo pipefail
cd "$(dirname "$0")/.."
START=${SWIFT_S3_START:-../shared/swift-s3/start.sh}
in_ci() { [[ -n "${CI:-}" && "${CI:-}" != "false" && "${CI:-}" != "0" ]]; }
give_up() {
  if in_ci; then
    echo "ensure-swift: ERROR: $1 (the Swift artifact tests must run in CI)" >&2
    exit 1
  fi
  echo "ensure-swift: $1; the Swift artifact tests will be skipped" >&2
  exit 0
}
[[ -x "$START" ]] || give_up "$START not found (expected ../shared beside the repository)"
export SWIFT_DIR=${SWIFT_DIR:-/tmp/ferrite-swift-s3}
export SWIFT_S3_PORT=${SWIFT_S3_PORT:-18080}
export SWIFT_OBJECT_PORT=${SWIFT_OBJECT_PORT:-16200}
export SWIFT_CONTAINER_PORT=${SWIFT_CONTAINER_PORT:-16201}
export SWIFT_ACCOUNT_PORT=${SWIFT_ACCOUNT_PORT:-16202}
export SWIFT_MEMCACHE_PORT=${SWIFT_MEMCACHE_PORT:-11312}
settings=$("$START") || give_up "$START failed (logs in $SWIFT_DIR/log)"
# start.sh prints S3_ENDPOINT=...; renamed so the optional real-S3 suite (S3_*) is not switched on.
while IFS='=' read -r name value; do
  [[ $name =~ ^S3_[A-Z_]+$ ]] && printf 'SWIFT_%s=%q\n' "$name" "$value"
done <<<"$settings"
exit 0
