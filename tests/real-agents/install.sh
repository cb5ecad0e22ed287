#!/usr/bin/env bash
# Installs the pinned agent CLIs of package.json (exactly as package-lock.json says) into a cache
# directory keyed by the lock file, once; prints that directory. Used by .ci/run and, when it has
# not run, by the real-agent tests themselves. Needs Node and npm (the npm registry).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
key="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)"
cache="${SIGNOFF_AGENTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/signoff-real-agents}"
dir="$cache/$key"
if [ ! -f "$dir/.installed" ]; then
  mkdir -p "$cache"
  staging="$(mktemp -d "$cache/.install.XXXXXX")"
  cp "$here/package.json" "$here/package-lock.json" "$staging/"
  (cd "$staging" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$staging/.installed"
  rm -rf "$dir"
  mv "$staging" "$dir"
fi
echo "$dir"
