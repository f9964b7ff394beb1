#!/usr/bin/env bash
# The README's first command: installs what is missing, then runs the app (frontend on :3000, backend on :7007).
# The full progressive-delivery demo (local clusters, Prometheus, a rollout to watch) builds on this script.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh
echo
echo "Open http://localhost:3000 (sign in as Guest). Ctrl-C stops everything."
exec yarn start
