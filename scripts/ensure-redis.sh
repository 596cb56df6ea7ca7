#!/usr/bin/env bash
# Makes sure a Redis server answers on 127.0.0.1:6379 for the tests (the session locks, queued
# runs and workers): starts one that keeps nothing on disk if none answers, installs Debian's
# package if there is none (needs root). Exits 0 either way; the Redis tests report loudly when
# no server can be reached. Tests that restart or kill Redis start their own on a free port.
set -uo pipefail
ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
command -v redis-cli >/dev/null 2>&1 && ready && exit 0
if ! command -v redis-server >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-redis: installing redis-server" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >&2 || true
  fi
fi
if command -v redis-server >/dev/null 2>&1; then
  echo "ensure-redis: starting redis-server on 127.0.0.1:6379" >&2
  dir=$(mktemp -d)
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$dir" --logfile "$dir/redis.log" >&2 || true
fi
for _ in $(seq 1 30); do ready && exit 0; sleep 0.5; done
echo "ensure-redis: WARNING: no Redis on 127.0.0.1:6379; its tests will fail loudly" >&2
exit 0
