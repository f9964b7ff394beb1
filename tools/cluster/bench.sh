#!/usr/bin/env bash
# Benchmarks of the local control plane (docs/benchmarks.md, "Local control
# plane"). Prints a Markdown table; every number comes from this run.
#
#   tools/cluster/bench.sh [--runs N] [--cold]
#
#   --runs N  single-cluster starts to time (default 3; the median is reported)
#   --cold    also time a cold build: empty GOCACHE, separate output dir, no
#             machine cache (module downloads stay cached in GOMODCACHE).
#             Takes ~10 min on 2 cores and needs ~4 GB in /tmp.
#
# Uses cluster.sh (bash launcher) with state under a private temp dir, so it
# never touches clusters you have running.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runs=3 cold=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --cold) cold=1; shift ;;
    *) sed -n '2,14p' "$0" >&2; exit 2 ;;
  esac
done

export DELIVERY_CLUSTER_STATE; DELIVERY_CLUSTER_STATE="$(mktemp -d /tmp/delivery-bench.XXXXXX)"
cleanup() {
  local d
  for d in "$DELIVERY_CLUSTER_STATE"/*/; do
    [ -f "$d/cluster.env" ] && "$here/cluster.sh" down "$(basename "$d")" >/dev/null 2>&1 || true
  done
  rm -rf "$DELIVERY_CLUSTER_STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_us() { echo "${EPOCHREALTIME/./}"; }
ms_since() { echo $(( ($(now_us) - $1) / 1000 )); }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pids_of() { cat "$DELIVERY_CLUSTER_STATE/$1"/pids/*.pid; }
rss_kb() { local p s=0; for p in "$@"; do s=$(( s + $(awk '/^VmRSS/ { print $2 }' "/proc/$p/status") )); done; echo $s; }
cpu_ticks() { local p s=0; for p in "$@"; do s=$(( s + $(awk '{ print $14 + $15 }' "/proc/$p/stat") )); done; echo $s; }

rows=()
row() { rows+=("| $1 | $2 | $3 |"); echo "  $1: $2 ${3:+($3)}" >&2; }

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== environment" >&2
gover="$( (command -v go >/dev/null && go env GOVERSION) || /usr/local/go/bin/go env GOVERSION)"
k8s="$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "$here/go/go.mod")"
cpus="$(nproc)"; mem="$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "  $cpus CPUs, $mem, $gover, kubernetes $k8s" >&2

echo "== build" >&2
bin="$("$here/build.sh" 2>/dev/null | tail -1)"
times=()
for i in 1 2 3 4 5; do t=$(now_us); "$here/build.sh" >/dev/null 2>&1; times+=("$(ms_since "$t")"); done
warm_build="$(printf '%s\n' "${times[@]}" | median)"
row "build.sh, binaries present (median of 5)" "${warm_build} ms" "no-op check"

if [ "$cold" = 1 ]; then
  gocache="$(mktemp -d /tmp/delivery-bench-gocache.XXXXXX)" binroot="$(mktemp -d /tmp/delivery-bench-bin.XXXXXX)"
  t=$(now_us)
  GOCACHE="$gocache" DELIVERY_CLUSTER_BIN_ROOT="$binroot" DELIVERY_CLUSTER_BIN_CACHE=off "$here/build.sh" >/dev/null
  cold_ms="$(ms_since "$t")"
  rm -rf "$gocache" "$binroot"
  row "cold build (empty GOCACHE; Go modules already in GOMODCACHE)" "$(( cold_ms / 1000 )) s" "$(ratio "$cold_ms" 60000) min"
fi

echo "== one cluster (runs: $runs)" >&2
starts=()
for i in $(seq 1 "$runs"); do
  "$here/cluster.sh" up bench-one >/dev/null 2>&1
  starts+=("$(awk '{ print int($1 * 1000) }' "$DELIVERY_CLUSTER_STATE/bench-one/startup-seconds")")
  if [ "$i" -lt "$runs" ]; then "$here/cluster.sh" down bench-one >/dev/null 2>&1; fi
done
one_ms="$(printf '%s\n' "${starts[@]}" | median)"
row "1 cluster: up to Ready (nodes Ready, CRDs Established), median" "${one_ms} ms" "runs: ${starts[*]} ms"
sleep 10 # let the controllers settle before sampling memory and idle CPU
mapfile -t pids < <(pids_of bench-one)
one_rss="$(rss_kb "${pids[@]}")"
row "1 cluster: RSS of the 5 processes, 10 s after Ready" "$(( one_rss / 1024 )) MiB" \
  "$(for p in "${pids[@]}"; do printf '%s %d MiB; ' "$(cat "/proc/$p/comm")" $(( $(awk '/^VmRSS/ { print $2 }' "/proc/$p/status") / 1024 )); done)"
hz="$(getconf CLK_TCK)"
c0="$(cpu_ticks "${pids[@]}")"; sleep 20; c1="$(cpu_ticks "${pids[@]}")"
row "1 cluster: idle CPU over 20 s" "$(awk -v d=$((c1 - c0)) -v hz="$hz" 'BEGIN { printf "%.1f%%", 100 * d / hz / 20 }') of one core" ""
t=$(now_us); "$here/cluster.sh" stop-apiserver bench-one >/dev/null 2>&1; stop_ms="$(ms_since "$t")"
t=$(now_us); "$here/cluster.sh" start-apiserver bench-one >/dev/null 2>&1; start_ms="$(ms_since "$t")"
row "API server outage: stop (SIGTERM to exit) / start (to /readyz)" "${stop_ms} ms / ${start_ms} ms" "same port, same etcd"
t=$(now_us); "$here/cluster.sh" down bench-one >/dev/null 2>&1
row "1 cluster: down (all processes gone, state deleted)" "$(ms_since "$t") ms" ""

echo "== three clusters concurrently" >&2
t=$(now_us)
for n in a b c; do "$here/cluster.sh" up "bench-$n" >/dev/null 2>&1 & done
wait
three_ms="$(ms_since "$t")"
row "3 clusters started concurrently: wall time to all Ready" "${three_ms} ms" "$(ratio "$three_ms" "$one_ms")x one cluster"
sleep 10
mapfile -t pids < <(for n in a b c; do pids_of "bench-$n"; done)
three_rss="$(rss_kb "${pids[@]}")"
row "3 clusters: RSS of the 15 processes" "$(( three_rss / 1024 )) MiB" "$(ratio "$three_rss" "$one_rss")x one cluster"
for n in a b c; do "$here/cluster.sh" down "bench-$n" >/dev/null 2>&1; done

load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "Local control plane, $(date -u +%F), $cpus CPUs, $mem, $gover, kubernetes $k8s;" \
  "load average at start $load_start, at end $load_end (other work on the machine skews times)"
echo
echo "| measure | value | notes |"
echo "| --- | --- | --- |"
printf '%s\n' "${rows[@]}"
