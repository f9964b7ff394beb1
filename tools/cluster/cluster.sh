#!/usr/bin/env bash
# Local Kubernetes control plane for Delivery's tests, benchmarks and demo:
# etcd -> kube-apiserver -> kube-controller-manager -> kube-scheduler -> kwok,
# all on 127.0.0.1, each cluster in its own state dir with its own ports.
#
#   tools/cluster/cluster.sh up     NAME [--nodes N] [--audit] [--no-crds] [--no-watch-cache]
#                                               [--kcm-arg FLAG]... extra kube-controller-manager
#                                               flags, e.g. --kcm-arg --kube-api-qps=200
#   tools/cluster/cluster.sh run    NAME [...]   like up, stays in the foreground
#                                               and tears down on Ctrl-C/TERM
#   tools/cluster/cluster.sh down   NAME        stop processes, delete state
#   tools/cluster/cluster.sh status NAME        processes, ports, /readyz
#   tools/cluster/cluster.sh stop-apiserver NAME / start-apiserver NAME
#                                               outage simulation (same port)
#   tools/cluster/cluster.sh env    NAME        print KUBECONFIG=... etc.
#   tools/cluster/cluster.sh list
#
# State: ${DELIVERY_CLUSTER_STATE:-/tmp/delivery-cluster}/NAME/ (see README).
# The TypeScript twin of this script is harness/index.ts; keep them in step.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state_root="${DELIVERY_CLUSTER_STATE:-/tmp/delivery-cluster}"
# Startup order; shutdown is the reverse.
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

die() { echo "cluster.sh: $*" >&2; exit 1; }
log() { echo "[cluster $name] $*" >&2; }
now_us() { echo "${EPOCHREALTIME/./}"; }
secs_since() { local d=$(( ($(now_us) - $1) / 100000 )); printf '%d.%d' $((d / 10)) $((d % 10)); }

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# ---------------------------------------------------------------- helpers
pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { cat "$dir/pids/$1.pid" 2>/dev/null || true; }

# start COMPONENT ARGS... : run detached in its own session (setsid) so that a
# Ctrl-C in the calling shell does not reach it and `down` can kill the whole
# process group; stdout+stderr go to logs/COMPONENT.log.
start() {
  local c="$1"; shift
  setsid "$bin/$c" "$@" >"$dir/logs/$c.log" 2>&1 < /dev/null &
  echo $! > "$dir/pids/$c.pid"
}

# kapi METHOD PATH [curl args...] : call the API server as the admin user.
kapi() {
  local method="$1" path="$2"; shift 2
  curl -sS --max-time 20 --cacert "$dir/certs/ca.crt" -H "Authorization: Bearer $admin_token" \
    -X "$method" "https://127.0.0.1:$apiserver_port$path" "$@"
}

# wait_for DESCRIPTION TIMEOUT_S COMMAND... : poll every 0.1 s.
wait_for() {
  local what="$1" timeout="$2"; shift 2
  local deadline=$(( $(now_us) + timeout * 1000000 ))
  until "$@" >/dev/null 2>&1; do
    for c in "${components[@]}"; do
      local p; p="$(pid_of "$c")"
      if [ -n "$p" ] && ! pid_alive "$p"; then
        tail -n 30 "$dir/logs/$c.log" >&2 || true
        die "$c exited while waiting for $what (log: $dir/logs/$c.log)"
      fi
    done
    [ "$(now_us)" -lt "$deadline" ] || die "timed out after ${timeout}s waiting for $what"
    sleep 0.1
  done
}

load_state() {
  dir="$state_root/$name"
  [ -f "$dir/cluster.env" ] || die "no cluster named '$name' (no $dir/cluster.env)"
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
}

kubeconfig() { # FILE USER TOKEN
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $name
  cluster:
    server: https://127.0.0.1:$apiserver_port
    certificate-authority-data: $(base64 -w0 < "$dir/certs/ca.crt")
users:
- name: $2
  user:
    token: $3
contexts:
- name: $name
  context:
    cluster: $name
    user: $2
current-context: $name
EOF
  chmod 600 "$1"
}

# ---------------------------------------------------------------- commands
cmd_up() {
  local nodes=1 crds=1 kcm_args=()
  audit=0 watch_cache=true
  while [ $# -gt 0 ]; do
    case "$1" in
      --no-watch-cache) watch_cache=false; shift ;;
      --nodes) nodes="$2"; shift 2 ;;
      --audit) audit=1; shift ;;
      --no-crds) crds=0; shift ;;
      --kcm-arg) kcm_args+=("$2"); shift 2 ;;
      *) usage ;;
    esac
  done
  dir="$state_root/$name"
  if [ -f "$dir/cluster.env" ]; then
    # shellcheck disable=SC1091
    . "$dir/cluster.env"
    pid_alive "$(pid_of kube-apiserver)" && die "cluster '$name' is already up ($dir); run: $0 down $name"
    cmd_down >/dev/null 2>&1 || true
  fi
  local t0; t0=$(now_us)
  # Any failure below tears down what was started; logs are kept next to
  # the state dir for post-mortems.
  trap 'rc=$?; if [ $rc -ne 0 ]; then
          rm -rf "$state_root/$name.failed-logs"; cp -r "$dir/logs" "$state_root/$name.failed-logs" 2>/dev/null || true
          cmd_down >/dev/null 2>&1 || true
          echo "cluster.sh: startup of $name failed; logs in $state_root/$name.failed-logs" >&2
        fi' EXIT
  bin="$("$here/build.sh" | tail -1)"
  rm -rf "$dir"; mkdir -p "$dir"/{logs,pids,certs,etcd}; chmod 700 "$dir"

  "$bin/cluster-util" certs "$dir/certs"
  local ports; ports=($("$bin/cluster-util" freeport 3))
  etcd_port=${ports[0]} etcd_peer_port=${ports[1]} apiserver_port=${ports[2]}
  admin_token="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  # One static token per component, so the audit log tells who did what.
  local kcm_token sched_token kwok_token
  kcm_token="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  sched_token="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  kwok_token="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  cat > "$dir/tokens.csv" <<EOF
$admin_token,admin,admin,"system:masters"
$kcm_token,system:kube-controller-manager,system:kube-controller-manager
$sched_token,system:kube-scheduler,system:kube-scheduler
$kwok_token,kwok,kwok,"system:masters"
EOF
  chmod 600 "$dir/tokens.csv"
  cat > "$dir/cluster.env" <<EOF
name=$name
bin=$bin
etcd_port=$etcd_port
etcd_peer_port=$etcd_peer_port
apiserver_port=$apiserver_port
admin_token=$admin_token
audit=$audit
watch_cache=$watch_cache
EOF
  kubeconfig "$dir/kubeconfig" admin "$admin_token"
  kubeconfig "$dir/kcm.kubeconfig" system:kube-controller-manager "$kcm_token"
  kubeconfig "$dir/scheduler.kubeconfig" system:kube-scheduler "$sched_token"
  kubeconfig "$dir/kwok.kubeconfig" kwok "$kwok_token"

  # etcd: loopback only, no fsync (test data is disposable; fsync dominates
  # write latency on CI disks).
  start etcd --name "$name" --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "$name=http://127.0.0.1:$etcd_peer_port" \
    --unsafe-no-fsync --log-level warn --quota-backend-bytes 2147483648
  wait_for "etcd" 30 curl -sf --max-time 2 "http://127.0.0.1:$etcd_port/health"

  start_apiserver
  wait_for "kube-apiserver /readyz" 60 kapi GET /readyz -f

  start kube-controller-manager --kubeconfig "$dir/kcm.kubeconfig" \
    --authentication-kubeconfig "$dir/kcm.kubeconfig" --authorization-kubeconfig "$dir/kcm.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false --controllers '*' \
    --use-service-account-credentials=true \
    --service-account-private-key-file "$dir/certs/sa.key" --root-ca-file "$dir/certs/ca.crt" \
    --cluster-name "$name" --node-monitor-grace-period 60s ${kcm_args[@]+"${kcm_args[@]}"}
  start kube-scheduler --kubeconfig "$dir/scheduler.kubeconfig" \
    --authentication-kubeconfig "$dir/scheduler.kubeconfig" --authorization-kubeconfig "$dir/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false
  start kwok --kubeconfig "$dir/kwok.kubeconfig" --config "$here/kwok/stages.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds 40

  local i
  for i in $(seq 1 "$nodes"); do
    kapi POST /api/v1/nodes -f -o /dev/null -H 'Content-Type: application/json' -d @- <<EOF
{"apiVersion":"v1","kind":"Node","metadata":{"name":"kwok-node-$i",
 "annotations":{"kwok.x-k8s.io/node":"fake","node.alpha.kubernetes.io/ttl":"0"},
 "labels":{"type":"kwok","kubernetes.io/hostname":"kwok-node-$i","kubernetes.io/os":"linux","kubernetes.io/arch":"amd64"}},
 "status":{"allocatable":{"cpu":"32","memory":"256Gi","pods":"250"},"capacity":{"cpu":"32","memory":"256Gi","pods":"250"}}}
EOF
  done
  wait_for "$nodes node(s) Ready" 60 nodes_ready "$nodes"
  wait_for "ServiceAccount default/default" 60 kapi GET /api/v1/namespaces/default/serviceaccounts/default -f
  [ "$crds" = 1 ] && apply_crds
  trap - EXIT
  echo "$(secs_since "$t0")" > "$dir/startup-seconds"
  log "ready in $(secs_since "$t0")s: https://127.0.0.1:$apiserver_port (kubeconfig $dir/kubeconfig)"
  echo "$dir/kubeconfig"
}

start_apiserver() {
  local audit_args=()
  if [ "$audit" = 1 ]; then
    cp "$here/audit-policy.yaml" "$dir/audit-policy.yaml"
    audit_args=(--audit-policy-file "$dir/audit-policy.yaml" --audit-log-path "$dir/audit.log"
                --audit-log-format json --audit-log-mode blocking --audit-log-maxsize 0)
  fi
  # --endpoint-reconciler-type none: the "kubernetes" Service would get the
  # advertise address as endpoint, and that must stay loopback, which
  # Endpoints validation rejects. Nothing in-cluster needs to reach it.
  start kube-apiserver --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$apiserver_port" \
    --endpoint-reconciler-type none \
    --tls-cert-file "$dir/certs/apiserver.crt" --tls-private-key-file "$dir/certs/apiserver.key" \
    --client-ca-file "$dir/certs/ca.crt" --token-auth-file "$dir/tokens.csv" \
    --authorization-mode Node,RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$dir/certs/sa.pub" --service-account-signing-key-file "$dir/certs/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --allow-privileged=true --profiling=false \
    --shutdown-watch-termination-grace-period 1s --watch-cache="$watch_cache" \
    "${audit_args[@]}"
}

nodes_ready() {
  local n
  n="$(kapi GET /api/v1/nodes -f | tr -d ' \n' | grep -o '"type":"Ready","status":"True"' | wc -l)"
  [ "$n" -ge "$1" ]
}

# CRDs are POSTed as YAML (the API server accepts application/yaml), one
# document at a time; a comment-only document is skipped.
apply_crds() {
  local f docdir names=() n
  docdir="$dir/crd-docs"; mkdir -p "$docdir"
  for f in "$here"/crds/*.yaml; do
    awk -v out="$docdir/$(basename "$f" .yaml)" '
      /^---[[:space:]]*$/ { i++; next }
      { print > (out "-" sprintf("%02d", i) ".yaml") }' "$f"
  done
  for f in "$docdir"/*.yaml; do
    grep -q '^kind: CustomResourceDefinition' "$f" || continue
    n="$(awk '/^metadata:/ { m = 1; next } m && /^  name:/ { print $2; exit }' "$f")"
    names+=("$n")
    local code
    code="$(kapi POST /apis/apiextensions.k8s.io/v1/customresourcedefinitions -o "$docdir/$n.out" -w '%{http_code}' \
      -H 'Content-Type: application/yaml' --data-binary @"$f")"
    case "$code" in
      201|409) ;;
      *) cat "$docdir/$n.out" >&2; die "applying CRD $n from $f failed (HTTP $code)" ;;
    esac
  done
  for n in "${names[@]}"; do
    wait_for "CRD $n Established" 30 crd_established "$n"
  done
  rm -rf "$docdir"
}

crd_established() {
  kapi GET "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/$1" -f |
    tr -d ' \n' | grep -q '"type":"Established","status":"True"'
}

cmd_down() {
  dir="$state_root/$name"
  [ -d "$dir" ] || { echo "cluster '$name' is not up" >&2; return 0; }
  local i c p
  for (( i=${#components[@]}-1; i>=0; i-- )); do
    c="${components[$i]}"; p="$(pid_of "$c")"
    pid_alive "$p" && kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
  done
  # Up to 10 s for graceful exit, then SIGKILL the process groups.
  for i in $(seq 1 100); do
    local alive=0
    for c in "${components[@]}"; do pid_alive "$(pid_of "$c")" && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for c in "${components[@]}"; do
    p="$(pid_of "$c")"
    pid_alive "$p" && { kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; }
  done
  rm -rf "$dir"
  echo "cluster '$name' is down" >&2
}

# Outage simulation: stop just the API server; start it again on the same
# port and etcd (clients reconnect to the same URL with the same token).
cmd_stop_apiserver() {
  load_state
  local p i; p="$(pid_of kube-apiserver)"
  pid_alive "$p" || { echo "kube-apiserver is not running" >&2; return 0; }
  kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p"
  for i in $(seq 1 150); do pid_alive "$p" || break; sleep 0.1; done
  pid_alive "$p" && kill -KILL -- "-$p" 2>/dev/null || true
  echo "kube-apiserver of '$name' stopped" >&2
}

cmd_start_apiserver() {
  load_state
  pid_alive "$(pid_of kube-apiserver)" && { echo "kube-apiserver is already running" >&2; return 0; }
  local t0; t0=$(now_us)
  start_apiserver
  wait_for "kube-apiserver /readyz" 60 kapi GET /readyz -f
  echo "kube-apiserver of '$name' ready in $(secs_since "$t0")s" >&2
}

cmd_status() {
  load_state
  local c p rc=0
  for c in "${components[@]}"; do
    p="$(pid_of "$c")"
    if pid_alive "$p"; then
      printf '%-24s running  pid %-7s rss %s kB\n' "$c" "$p" "$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status")"
    else
      printf '%-24s STOPPED  (log %s)\n' "$c" "$dir/logs/$c.log"; rc=1
    fi
  done
  echo "apiserver    https://127.0.0.1:$apiserver_port  readyz: $(kapi GET /readyz 2>&1 || true)"
  echo "etcd         http://127.0.0.1:$etcd_port"
  echo "kubeconfig   $dir/kubeconfig"
  [ "$audit" = 1 ] && echo "audit log    $dir/audit.log"
  return $rc
}

cmd_env() {
  load_state
  echo "export KUBECONFIG=$dir/kubeconfig"
  echo "export DELIVERY_CLUSTER_SERVER=https://127.0.0.1:$apiserver_port"
  echo "export DELIVERY_CLUSTER_TOKEN=$admin_token"
  echo "export DELIVERY_CLUSTER_CA_FILE=$dir/certs/ca.crt"
}

cmd_list() {
  local d
  for d in "$state_root"/*/; do
    [ -f "$d/cluster.env" ] || continue
    name="$(basename "$d")"; dir="$d"
    (. "$d/cluster.env"; s=down; pid_alive "$(pid_of kube-apiserver)" && s=up
     echo "$name $s https://127.0.0.1:$apiserver_port")
  done
}

[ $# -ge 1 ] || usage
command="$1"; shift
if [ "$command" = list ]; then cmd_list; exit 0; fi
[ $# -ge 1 ] || usage
name="$1"; shift
[[ "$name" =~ ^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$ ]] || die "NAME must be a DNS label (a-z, 0-9, -), max 32 chars"
case "$command" in
  up) cmd_up "$@" ;;
  run)
    trap 'cmd_down; exit 130' INT TERM
    cmd_up "$@"
    log "running; Ctrl-C to stop"
    while pid_alive "$(pid_of kube-apiserver)"; do sleep 1; done
    cmd_down ;;
  down) cmd_down ;;
  stop-apiserver) cmd_stop_apiserver ;;
  start-apiserver) cmd_start_apiserver ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) usage ;;
esac
