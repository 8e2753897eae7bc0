#!/usr/bin/env bash
# Makes sure Debian's chromium is installed at /usr/bin/chromium for the browser-extension
# tests. Idempotent; installs through apt (as root) only when it is missing. Playwright
# drives this system browser: no browser build is downloaded.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing; install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium fonts-liberation
test -x /usr/bin/chromium
