#!/usr/bin/env bash
# Makes a fresh machine ready to run or test Spool: system packages, node modules, a build. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
for pkg in "$@"; do need_apt+=("$pkg"); done
if [ ${#need_apt[@]} -gt 0 ]; then
  missing=()
  for pkg in "${need_apt[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# Reinstall node modules only when the lock file changed since the last install.
stamp=node_modules/.spool-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  # `npm install` rather than `npm ci`: this npm leaves other platforms' optional packages out of the lock
  # file, which `npm ci` then rejects as out of sync; install still keeps every version the lock pins.
  npm install --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

npm run -s build
