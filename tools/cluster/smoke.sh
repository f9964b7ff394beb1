#!/usr/bin/env bash
# Run the control-plane smoke test (harness/smoke.ts) with Node >= 22, whose
# type stripping runs the TypeScript harness directly (no compile step, no
# npm packages). Builds the binaries first if needed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
"$here/build.sh" >/dev/null
node_bin=""
for n in "${NODE:-}" "$(command -v node || true)" "$repo"/.tools/node-22*/bin/node; do
  [ -n "$n" ] && [ -x "$n" ] || continue
  major="$("$n" -p 'process.versions.node.split(".")[0]')"
  if [ "$major" -ge 22 ]; then node_bin="$n"; break; fi
done
[ -n "$node_bin" ] || { echo "smoke.sh: needs Node >= 22 (set NODE=/path/to/node)" >&2; exit 1; }
export DELIVERY_CLUSTER_TOOLS="$here"
exec "$node_bin" --experimental-strip-types --disable-warning=MODULE_TYPELESS_PACKAGE_JSON \
  --disable-warning=ExperimentalWarning "$here/harness/smoke.ts" "$@"
