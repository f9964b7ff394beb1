#!/usr/bin/env bash
# The README's second command: installs whatever is missing, then runs every suite and ends with one line
# "N passed, N failed". Static checks (tsc, lint, build) count as one test each; jest counts its tests.
#   scripts/test.sh            everything
#   scripts/test.sh --unit     only the fast unit suites (no services, no build)
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
mode="${1:-all}"
start_time=$(date +%s)
results="$ROOT/.cache/test-results"
rm -rf "$results"; mkdir -p "$results"
passed=0; failed=0; skipped=0
failures=()

section() { printf '\n\033[1m==> %s\033[0m (%ss)\n' "$*" "$(( $(date +%s) - start_time ))"; }

# A check that is not jest: one test, passed or failed, with its log kept.
check() {
  local name="$1"; shift
  section "$name"
  if "$@" >"$results/$name.log" 2>&1; then
    passed=$((passed + 1)); echo "ok: $name"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "FAILED: $name"; tail -40 "$results/$name.log"
  fi
}

# Adds a jest JSON report to the totals; a run that produced no report counts as one failure.
count_jest() {
  local name="$1" file="$2"
  if [ ! -s "$file" ]; then
    failed=$((failed + 1)); failures+=("$name (no report)"); return
  fi
  read -r p f s < <(node -e 'const r=require(process.argv[1]);
    const broken=r.testResults.filter(t=>t.status==="failed"&&t.assertionResults.length===0).length;
    console.log(r.numPassedTests, r.numFailedTests+broken, r.numPendingTests+r.numTodoTests)' "$file")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [ "$f" -gt 0 ] && failures+=("$name ($f)")
  node -e 'const r=require(process.argv[1]); for (const t of r.testResults) for (const a of t.assertionResults)
    if (a.status==="failed") { console.log("  ✕ "+t.name.replace(process.cwd()+"/","")+" › "+a.fullName);
      /* The first lines of each failure, so a CI log alone says why (the full report stays in the results dir). */
      for (const m of a.failureMessages||[]) console.log(m.split("\n").slice(0,25).map(l=>"      "+l).join("\n")); }
    for (const t of r.testResults) if (t.status==="failed"&&t.assertionResults.length===0) console.log("  ✕ "+t.name+": "+(t.message||"").slice(0,400))' "$file"
}

section "Setup"
if [ "$mode" = "--unit" ]; then
  bash scripts/setup.sh
else
  bash scripts/setup.sh --system || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
  # The control-plane build (minutes when cold, milliseconds when cached) overlaps the unit suites, lint and
  # build; the e2e suites wait for it.
  bash tools/cluster/build.sh >"$results/cluster-build.log" 2>&1 &
  cluster_build=$!
fi

if [ "$mode" != "--unit" ]; then
  # Started before the unit suites so the database stores run on PostgreSQL as well as SQLite.
  section "Services"
  source scripts/lib/postgres.sh
  cleanup() { pg_stop; }
  trap cleanup EXIT INT TERM
  pg_start
fi

section "Unit tests (jest, all packages)"
CI=true yarn backstage-cli repo test --testPathIgnorePatterns=/packages/e2e-tests/ \
  --json --outputFile="$results/unit.json" >"$results/unit.log" 2>&1
tail -8 "$results/unit.log"
count_jest "unit" "$results/unit.json"

if [ "$mode" != "--unit" ]; then
  check "typescript" yarn tsc
  check "lint" yarn backstage-cli repo lint
  check "build-all" yarn build:all

  section "Local control plane binaries"
  if wait "$cluster_build"; then
    passed=$((passed + 1)); echo "ok: cluster-build"; tail -2 "$results/cluster-build.log"
  else
    failed=$((failed + 1)); failures+=("cluster-build"); tail -40 "$results/cluster-build.log"
  fi
  export DELIVERY_E2E=1 CHROMIUM_PATH="$(command -v chromium)"

  section "E2E tests (jest, packages/e2e-tests, one at a time)"
  (cd packages/e2e-tests && CI=true yarn backstage-cli package test --runInBand \
    --json --outputFile="$results/e2e.json") >"$results/e2e.log" 2>&1
  tail -8 "$results/e2e.log"
  count_jest "e2e" "$results/e2e.json"
fi

section "Summary"
[ "${#failures[@]}" -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
echo "logs: $results ($(( $(date +%s) - start_time ))s)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
