#!/usr/bin/env bash
# Run by `npm test` and `npm run test:slow` before any test: makes sure the Debian packages the tests drive are
# installed — chromium (Playwright specs), nginx-light and squid (proxy tests), redis-server and postgresql (the
# private instances e2e/setup/start-test-services.ts starts). Missing ones are installed when running as root;
# otherwise it names them and stops.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -x /usr/sbin/squid ] || missing+=(squid)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "error: the tests need Debian's ${missing[*]}: run 'apt-get install -y ${missing[*]}' as root" >&2
  exit 1
fi
echo "installing Debian's ${missing[*]} for the tests"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
