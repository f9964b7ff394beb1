#!/usr/bin/env bash
# The README's first command: a live progressive-delivery demo on 127.0.0.1, no manual steps.
# Installs what is missing (Node, deps, chromium/postgresql/prometheus, the local control plane), starts two local
# clusters (dev, prod) with podinfo and its Canary, a data-plane simulator, Prometheus and Backstage, then prints
# one URL. Ctrl-C stops everything. Walkthrough: docs/demo.md.
#   scripts/demo.sh              frontend dev server on :3000, backend on :7007
#   scripts/demo.sh --headless   no dev server: the backend serves the built app on a free port (tests, CI)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
for a in "$@"; do
  case "$a" in
    --headless) ;;
    *) echo "demo.sh: unknown option $a (use --headless)" >&2; exit 2 ;;
  esac
done
printf '\033[1m==>\033[0m Checking the toolchain (scripts/setup.sh --all; quick when everything is installed)\n'
bash scripts/setup.sh --all
exec node --experimental-strip-types --disable-warning=ExperimentalWarning \
  --disable-warning=MODULE_TYPELESS_PACKAGE_JSON scripts/demo/run.ts "$@"
