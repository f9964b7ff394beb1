#!/usr/bin/env bash
# Build the local Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok, cluster-util) from the Go
# modules pinned in tools/cluster/go/go.mod.
#
# Binaries go to <repo>/.cache/cluster-bin/<key>/, where <key> hashes
# go.mod, go.sum, our small main packages and the Go version, so a version
# bump rebuilds and an unchanged tree returns at once. A finished build is
# also mirrored (hard links when possible) to a per-machine cache,
# ${DELIVERY_CLUSTER_BIN_CACHE:-$HOME/.cache/delivery/cluster-bin}/<key>, so
# a fresh clone on the same machine (CI) does not relink everything.
#
# Prints the binary directory as the last line of stdout.
#
# Env:
#   BUILD_KUBECTL=1   also build kubectl (debugging aid, never required)
#   DELIVERY_CLUSTER_BIN_ROOT=dir   instead of <repo>/.cache/cluster-bin
#   DELIVERY_CLUSTER_BIN_CACHE=dir|off   per-machine mirror (default above)
#   GO=...            go binary (default: go on PATH, else /usr/local/go/bin/go)
#   GOCACHE/GOMODCACHE are respected (defaults persist on the machine).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
start=${EPOCHREALTIME/./}  # microseconds (bash 5); no bc/date arithmetic needed

GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
[ -x "$GO" ] || { echo "build.sh: go not found (set GO=/path/to/go)" >&2; exit 1; }

# The key must change whenever anything that affects the binaries changes:
# module pins, our own main packages, the build flags (in this script) and the
# Go toolchain. GOVERSION is read from the toolchain's VERSION file when it
# exists because that is ~10x faster than running `go env`.
goroot="$(dirname "$(dirname "$(readlink -f "$GO")")")"
if [ -f "$goroot/VERSION" ]; then gover="$(head -1 "$goroot/VERSION")"; else gover="$("$GO" env GOVERSION)"; fi
key="$( { cd "$here" && cat go/go.mod go/go.sum go-kwok/go.mod go-kwok/go.sum && find go/cmd -type f -name '*.go' | LC_ALL=C sort | xargs cat; \
          grep -E '^ *(ldflags|gobuild|k8s_ldflags)[+]?=' "$here/build.sh"; echo "$gover"; } | sha256sum | cut -c1-16)"
bin_root="${DELIVERY_CLUSTER_BIN_ROOT:-$repo/.cache/cluster-bin}"
out="$bin_root/$key"
machine_root="${DELIVERY_CLUSTER_BIN_CACHE:-$HOME/.cache/delivery/cluster-bin}"
[ "$machine_root" = off ] && machine_root=""
machine_cache="${machine_root:+$machine_root/$key}"

bins=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok cluster-util)
want_kubectl="${BUILD_KUBECTL:-0}"

complete() { # dir -> 0 if every wanted binary is there
  local d="$1" b
  [ -f "$d/.complete" ] || return 1
  for b in "${bins[@]}"; do [ -x "$d/$b" ] || return 1; done
  if [ "$want_kubectl" = 1 ]; then [ -x "$d/kubectl" ] || return 1; fi
  return 0
}
elapsed() { local d=$(( (${EPOCHREALTIME/./} - start) / 100000 )); printf '%d.%d' $((d / 10)) $((d % 10)); }

if complete "$out"; then
  echo "cluster binaries up to date ($out, $(elapsed)s)" >&2
  echo "$out"; exit 0
fi
# Several test workers may call this at once: one builds, the others wait
# for the lock and then find the binaries.
mkdir -p "$bin_root"
exec 9>"$bin_root/.lock"
if command -v flock >/dev/null; then flock 9; fi
if complete "$out"; then
  echo "cluster binaries up to date ($out, $(elapsed)s)" >&2
  echo "$out"; exit 0
fi
if [ -n "$machine_cache" ] && complete "$machine_cache"; then
  mkdir -p "$(dirname "$out")"; rm -rf "$out.tmp"
  cp -al "$machine_cache" "$out.tmp" 2>/dev/null || cp -a "$machine_cache" "$out.tmp"
  rm -rf "$out"; mv "$out.tmp" "$out"
  echo "cluster binaries restored from $machine_cache ($(elapsed)s)" >&2
  echo "$out"; exit 0
fi

# 2 cores: -p 2 runs two compile/link actions at once; more only adds memory
# pressure. -trimpath makes the build cache reusable from any checkout path.
ldflags='-s -w'
# Stamp the Kubernetes version like upstream's hack/lib/version.sh does, so
# /version reports v1.34.x instead of v0.0.0-master (clients and kwok read it).
k8s_version="$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "$here/go/go.mod" | head -1)"
k8s_minor="${k8s_version#v1.}"; k8s_minor="${k8s_minor%%.*}"
k8s_ldflags=''
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $p.gitVersion=$k8s_version -X $p.gitMajor=1 -X $p.gitMinor=$k8s_minor"
  k8s_ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
gobuild='-p 2'
# Two modules: kwok v0.7.0 does not compile against the k8s.io/* v0.34
# libraries that kube-apiserver v1.34 forces (apimachinery dropped
# metav1.InitialEventsListBlueprintAnnotationKey), so kwok keeps its own pins.
pkgs=(./cmd/etcd ./cmd/cluster-util
      k8s.io/kubernetes/cmd/kube-apiserver
      k8s.io/kubernetes/cmd/kube-controller-manager
      k8s.io/kubernetes/cmd/kube-scheduler)
[ "$want_kubectl" = 1 ] && pkgs+=(k8s.io/kubernetes/cmd/kubectl)

echo "building cluster binaries ($gover, key $key) into $out ..." >&2
tmp="$out.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
# Keep whatever an earlier (e.g. no-kubectl) build left, so adding kubectl
# only builds kubectl's own packages.
[ -d "$out" ] && cp -a "$out/." "$tmp/" && rm -f "$tmp/.complete"
(
  cd "$here/go"
  # GOFLAGS from the caller (e.g. -mod=mod) would change what gets built,
  # so it is replaced, not extended.
  # CGO is off: static binaries, and no C toolchain needed.
  GOFLAGS=-trimpath CGO_ENABLED=0 "$GO" build $gobuild -ldflags="$ldflags$k8s_ldflags" -o "$tmp/" "${pkgs[@]}"
  cd "$here/go-kwok"
  GOFLAGS=-trimpath CGO_ENABLED=0 "$GO" build $gobuild -ldflags="$ldflags" -o "$tmp/" sigs.k8s.io/kwok/cmd/kwok
)
printf '%s\n' "built $(date -u +%FT%TZ) with $gover in $(elapsed)s" > "$tmp/.complete"
rm -rf "$out"; mv "$tmp" "$out"; trap - EXIT
# Drop binaries of other (older) pins from this checkout's cache.
for d in "$bin_root"/*/; do
  [ "$(basename "$d")" = "$key" ] || rm -rf "$d"
done
# Mirror for the next clone on this machine (best effort); keep 3 versions.
if [ -n "$machine_cache" ] && mkdir -p "$machine_root" 2>/dev/null; then
  rm -rf "$machine_cache.tmp.$$"
  if cp -al "$out" "$machine_cache.tmp.$$" 2>/dev/null || cp -a "$out" "$machine_cache.tmp.$$" 2>/dev/null; then
    rm -rf "$machine_cache"; mv "$machine_cache.tmp.$$" "$machine_cache" || true
  fi
  ls -1dt "$machine_root"/*/ 2>/dev/null | tail -n +4 | xargs -r rm -rf
fi
echo "cluster binaries built in $(elapsed)s -> $out" >&2
echo "$out"
