#!/usr/bin/env bash
# Makes sure /usr/bin/chromium exists for the browser tests (test/src/devui): installs Debian's
# package when running as root, like ensure-postgres.sh. Exits 0 either way; the browser test
# fails loudly, naming the command, when there is no Chromium.
set -uo pipefail
[[ -x /usr/bin/chromium ]] && exit 0
if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing chromium" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2 || true
fi
[[ -x /usr/bin/chromium ]] && exit 0
echo "ensure-chromium: WARNING: no /usr/bin/chromium; the Dev UI browser test will fail" >&2
exit 0
