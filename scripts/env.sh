# Sourced by every project script: puts the project's own Node 22 first on PATH.
# The machine's Node 20 is too old for current Backstage, so we keep a private Node in .tools/.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
NODE_VERSION="22.23.3"
export NODE_HOME="$ROOT/.tools/node-$NODE_VERSION"
export PATH="$NODE_HOME/bin:$ROOT/node_modules/.bin:$PATH"
# Native modules (better-sqlite3) must compile against the headers of the Node that runs them.
export npm_config_nodedir="$NODE_HOME"
export YARN_ENABLE_TELEMETRY=0
export BACKSTAGE_TEST_DISABLE_DOCKER=1
# `yarn` resolves to the committed release (yarnPath); no global yarn is needed.
if [ ! -x "$ROOT/.tools/bin/yarn" ]; then
  mkdir -p "$ROOT/.tools/bin"
  printf '#!/bin/sh\nexec node "%s/.yarn/releases/yarn-4.13.0.cjs" "$@"\n' "$ROOT" > "$ROOT/.tools/bin/yarn"
  chmod +x "$ROOT/.tools/bin/yarn"
fi
export PATH="$ROOT/.tools/bin:$PATH"
