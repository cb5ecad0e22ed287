#!/usr/bin/env bash
# Installs Debian's Chromium and its chromedriver, which the reviewer page's tests drive
# headless, when they are missing. Used by .ci/run and, when it has not run, by the tests
# themselves. Needs root (apt) or the packages already installed.
set -euo pipefail
if command -v chromedriver >/dev/null && [ -x /usr/lib/chromium/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "the reviewer page's tests need Chromium: sudo apt-get install chromium chromium-driver" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium chromium-driver >&2
