#!/usr/bin/env bash
# `npm start`: set up, then run Redis, the controller (process runtime) and the gateway serving examples/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node --import tsx scripts/local.ts "$@"
