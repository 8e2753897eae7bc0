#!/usr/bin/env bash
# Makes sure the Debian tools the tests drive are installed: chromium (the browser-extension
# and status-page tests; Playwright drives this system browser, no browser build is
# downloaded) and prometheus (its promtool checks the alert rules). Idempotent; installs
# through apt, as root, only what is missing.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-liberation)
command -v promtool >/dev/null || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
