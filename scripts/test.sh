#!/usr/bin/env bash
# `npm test`: set up, lint, then the unit tables, the integration suites on a real Redis, and the
# suites on the real Kubernetes control plane (built from source once per machine, then cached).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run lint
jest=(node --experimental-vm-modules node_modules/jest/bin/jest.js --ci)
"${jest[@]}" --selectProjects unit integration "$@"
