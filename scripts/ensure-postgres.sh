#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the tests: starts the local
# cluster if it is down, installs Debian's package if there is none (needs root).
# Exits 0 either way; the PostgreSQL tests report loudly when no server can be reached.
set -uo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
ready && exit 0
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-postgres: installing postgresql" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2 || true
  fi
fi
if command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [[ -n "$version" ]]; then
    echo "ensure-postgres: starting cluster $version/main" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
    conf=/etc/postgresql/$version/main/pg_hba.conf
    # The tests connect as the postgres role over TCP without a password (trust, as on CI).
    if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$conf" 2>/dev/null && [[ $(id -u) == 0 ]]; then
      sed -i '1i host all all 127.0.0.1/32 trust' "$conf" && pg_ctlcluster --skip-systemctl-redirect "$version" main reload >&2 || true
    fi
  fi
fi
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "ensure-postgres: WARNING: no PostgreSQL on 127.0.0.1:5432; its tests will fail loudly" >&2
exit 0
