#!/usr/bin/env bash
# The project's test bed: Docker engine + Swarm, a local registry, PostgreSQL, a base image made from the machine's
# own Node.js, and optional Swarm workers in network namespaces. One idempotent script for CI, tests and the demo.
#
#   testbed.sh up [--workers N]   bring up what is missing (a second run changes nothing)
#   testbed.sh down               remove what this script created (as recorded), and only that
#   testbed.sh status             print what runs
#
# Runs as root on Debian 12 without systemd. Facts behind the choices (no IPVS, no systemd, nsenter workers): deploy/testbed/README.md.
# Tests read ${BASE_TESTBED_DIR:-/var/lib/base-testbed}/endpoints.json (see reconciler/testbed/endpoints.ts).
set -euo pipefail

STATE_DIR="${BASE_TESTBED_DIR:-/var/lib/base-testbed}"
STATE_DIR="${STATE_DIR%/}"
RECORD="${STATE_DIR}/created.list"
ENDPOINTS="${STATE_DIR}/endpoints.json"
LOG_DIR="${STATE_DIR}/logs"
RUN_DIR="${STATE_DIR}/run"

DOCKER_SOCKET="/var/run/docker.sock"
DOCKER_PIDFILE="/var/run/docker.pid"
BRIDGE="base-br0"
BRIDGE_ADDR="10.213.0.1"
BRIDGE_PREFIX="10.213.0"
REGISTRY_ADDR="127.0.0.1:5000"
REGISTRY_BRIDGE_ADDR="${BRIDGE_ADDR}:5000"
PG_VERSION="15"
PG_CLUSTER="main"
DB_NAME="base_test"
DB_ROLE="base_test"
DB_PASSWORD_FILE="${STATE_DIR}/postgres-password"
BASE_IMAGE_REPO="base/node-runtime"
NODE_BIN="/usr/bin/node"
BUSYBOX_BIN="/bin/busybox"
REQUIRED_PACKAGES=(docker.io docker-registry postgresql iproute2 busybox-static util-linux curl chromium fonts-dejavu-core)

export DOCKER_HOST="unix://${DOCKER_SOCKET}"
export DOCKER_BUILDKIT=0

log() { printf 'testbed: %s\n' "$*" >&2; }
die() { printf 'testbed: error: %s\n' "$*" >&2; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: testbed.sh up [--workers N] | down | status
  up       bring up dockerd + Swarm, registry 127.0.0.1:5000, PostgreSQL, base image, N workers (idempotent)
  down     remove only what this script created (recorded in the state folder)
  status   print what is running
state folder: ${BASE_TESTBED_DIR:-/var/lib/base-testbed}
EOF
}

# ---------------------------------------------------------------- record of what this script created
created_has() { [[ -f "$RECORD" ]] && grep -qxF -- "$1" "$RECORD"; }
record_created() { created_has "$1" || printf '%s\n' "$1" >>"$RECORD"; }
forget_created() {
  [[ -f "$RECORD" ]] || return 0
  local tmp="${RECORD}.tmp"
  grep -vxF -- "$1" "$RECORD" >"$tmp" || true
  mv -f -- "$tmp" "$RECORD"
}

# Runs a command quietly; on failure prints its output and fails.
quiet() {
  local out
  if ! out="$("$@" 2>&1)"; then
    printf '%s\n' "$out" >&2
    return 1
  fi
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s.
wait_for() {
  local seconds="$1" what="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then die "timed out after ${seconds}s waiting for ${what}"; fi
    sleep 0.2
  done
}

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }
pid_from() { if [[ -s "$1" ]]; then tr -d '[:space:]' <"$1"; fi; }

# stop_pid PID DESCRIPTION: SIGTERM, wait up to 30 s, then SIGKILL.
stop_pid() {
  local pid="$1" what="$2" i
  pid_alive "$pid" || return 0
  log "stopping ${what} (pid ${pid})"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.2
  done
  log "${what} did not stop in 30s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------- packages
ensure_packages() {
  local missing=() pkg status
  for pkg in "${REQUIRED_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  quiet apt-get update
  # policy-rc.d stops the packages' init scripts from trying to start services during installation.
  local policy="/usr/sbin/policy-rc.d" made_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && made_policy=1
  fi
  local rc=0
  apt-get install -y --no-install-recommends "${missing[@]}" >"${LOG_DIR}/apt-install.log" 2>&1 || rc=$?
  ((made_policy)) && rm -f -- "$policy"
  if ((rc != 0)); then
    tail -n 30 "${LOG_DIR}/apt-install.log" >&2
    die "apt-get install failed (log: ${LOG_DIR}/apt-install.log)"
  fi
}

# ---------------------------------------------------------------- state folder
ensure_state_dir() {
  if [[ ! -d "$STATE_DIR" ]]; then
    mkdir -p -- "$STATE_DIR"
    chmod 0700 -- "$STATE_DIR"
    : >"$RECORD"
    record_created "state-dir"
  fi
  mkdir -p -- "$LOG_DIR" "$RUN_DIR"
  [[ -f "$RECORD" ]] || : >"$RECORD"
}

# ---------------------------------------------------------------- bridge (manager side of the workers' veths)
ensure_bridge() {
  if ! ip link show dev "$BRIDGE" >/dev/null 2>&1; then
    log "creating bridge ${BRIDGE} ${BRIDGE_ADDR}/24"
    ip link add name "$BRIDGE" type bridge
    record_created "bridge"
  fi
  if ! ip -4 -o addr show dev "$BRIDGE" | grep -qF " ${BRIDGE_ADDR}/24 "; then
    ip addr add "${BRIDGE_ADDR}/24" dev "$BRIDGE"
  fi
  if ! ip -o link show dev "$BRIDGE" | grep -q '[<,]UP[,>]'; then
    ip link set dev "$BRIDGE" up
  fi
}

# With br_netfilter loaded, traffic between two workers' veths crosses the FORWARD chain, whose policy dockerd sets
# to DROP. Accept bridge-internal traffic explicitly.
ensure_forward_rule() {
  [[ -r /proc/sys/net/bridge/bridge-nf-call-iptables ]] || return 0
  if ! iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null; then
    iptables -I FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
    record_created "iptables-forward"
  fi
}

# ---------------------------------------------------------------- Docker engine and Swarm
docker_answers() { timeout 10 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

ensure_dockerd() {
  if docker_answers; then return 0; fi
  local pid
  pid="$(pid_from "$DOCKER_PIDFILE")"
  if pid_alive "$pid"; then
    log "dockerd (pid ${pid}) runs but does not answer yet; waiting"
  else
    log "starting dockerd (log: ${LOG_DIR}/dockerd.log)"
    rm -f -- "$DOCKER_PIDFILE"
    setsid -f dockerd --host "unix://${DOCKER_SOCKET}" --pidfile "$DOCKER_PIDFILE" \
      >>"${LOG_DIR}/dockerd.log" 2>&1 </dev/null
    record_created "dockerd"
  fi
  wait_for 90 "dockerd to answer on ${DOCKER_SOCKET}" docker_answers
}

swarm_state() { docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'; }

ensure_swarm() {
  local state
  state="$(swarm_state)"
  case "$state" in
    "active true") return 0 ;;
    "active false") die "this engine is a Swarm worker, not a manager; leave that Swarm first" ;;
    inactive*)
      log "initialising a Swarm (advertise ${BRIDGE_ADDR})"
      quiet docker swarm init --advertise-addr "$BRIDGE_ADDR" --listen-addr "${BRIDGE_ADDR}:2377"
      record_created "swarm"
      ;;
    *) die "the Swarm is in state '${state}'; expected active or inactive" ;;
  esac
}

# ---------------------------------------------------------------- registry
registry_answers() { curl -fsS -o /dev/null --max-time 2 "http://${1:-$REGISTRY_ADDR}/v2/" 2>/dev/null; }

# start_registry NAME ADDRESS: one `docker-registry serve` listening on ADDRESS, over the shared storage folder.
start_registry() {
  local name="$1" addr="$2" dir="${STATE_DIR}/registry"
  local pidfile="${RUN_DIR}/${name}.pid" config="${dir}/${name}.yml"
  mkdir -p -- "${dir}/storage"
  # No auth section: the packaged /etc/docker/registry/config.yml asks for htpasswd.
  cat >"$config" <<EOF
version: 0.1
log:
  level: warn
  fields:
    service: base-testbed-${name}
storage:
  filesystem:
    rootdirectory: ${dir}/storage
  delete:
    enabled: true
http:
  addr: ${addr}
EOF
  stop_pid "$(pid_from "$pidfile")" "a ${name} that does not answer"
  log "starting ${name} on ${addr} (log: ${LOG_DIR}/${name}.log)"
  # shellcheck disable=SC2016 # $$ expands in the child shell, which then becomes the registry.
  setsid -f sh -c 'echo "$$" >"$1"; exec docker-registry serve "$2"' sh "$pidfile" "$config" \
    >>"${LOG_DIR}/${name}.log" 2>&1 </dev/null
  record_created "$name"
  wait_for 30 "${name} to answer GET http://${addr}/v2/" registry_answers "$addr"
}

ensure_registry() {
  if ! registry_answers "$REGISTRY_ADDR"; then start_registry registry "$REGISTRY_ADDR"; fi
  # Workers cannot reach the manager's 127.0.0.1: a second listener on the bridge serves them the same storage,
  # and each worker forwards its own 127.0.0.1:5000 there (see ensure_worker_registry_forward).
  if created_has "registry" && ! registry_answers "$REGISTRY_BRIDGE_ADDR"; then
    start_registry registry-bridge "$REGISTRY_BRIDGE_ADDR"
  fi
}

# ---------------------------------------------------------------- PostgreSQL
pg_cluster_line() { pg_lsclusters --no-header 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c'; }

psql_admin() { (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@"); }
psql_value() { psql_admin -At -d postgres -c "$1"; }

ensure_postgres() {
  if [[ -z "$(pg_cluster_line)" ]]; then
    log "creating PostgreSQL cluster ${PG_VERSION}/${PG_CLUSTER}"
    quiet pg_createcluster "$PG_VERSION" "$PG_CLUSTER"
    record_created "pg-cluster"
  fi
  PG_PORT="$(pg_cluster_line | awk '{print $3}')"
  if [[ "$(pg_cluster_line | awk '{print $4}')" != "online" ]]; then
    log "starting PostgreSQL ${PG_VERSION}/${PG_CLUSTER} on port ${PG_PORT}"
    quiet pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
    record_created "pg-started"
  fi
  wait_for 30 "PostgreSQL to accept connections" psql_value 'SELECT 1'

  if [[ ! -s "$DB_PASSWORD_FILE" ]]; then
    (umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$DB_PASSWORD_FILE")
  fi
  chmod 0600 -- "$DB_PASSWORD_FILE"
  local password
  password="$(tr -d '[:space:]' <"$DB_PASSWORD_FILE")"

  if [[ "$(psql_value "SELECT 1 FROM pg_roles WHERE rolname = '${DB_ROLE}'")" != "1" ]]; then
    log "creating role ${DB_ROLE}"
    # The password goes through stdin, never argv.
    printf "CREATE ROLE %s LOGIN CREATEDB PASSWORD '%s';\n" "$DB_ROLE" "$password" | psql_admin -d postgres
    record_created "pg-role"
  elif ! role_login_works "$password"; then
    created_has "pg-role" || die "role ${DB_ROLE} exists but was not made by this script and its password is unknown"
    log "resetting the password of role ${DB_ROLE}"
    printf "ALTER ROLE %s PASSWORD '%s';\n" "$DB_ROLE" "$password" | psql_admin -d postgres
  fi
  if [[ "$(psql_value "SELECT 1 FROM pg_database WHERE datname = '${DB_NAME}'")" != "1" ]]; then
    log "creating database ${DB_NAME}"
    psql_value "CREATE DATABASE ${DB_NAME} OWNER ${DB_ROLE}" >/dev/null
    record_created "pg-database"
  fi
  DATABASE_URL="postgres://${DB_ROLE}:${password}@127.0.0.1:${PG_PORT}/${DB_NAME}"
}

role_login_works() {
  PGPASSWORD="$1" psql -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U "$DB_ROLE" -d postgres -c 'SELECT 1' >/dev/null 2>&1
}

# ---------------------------------------------------------------- base image from the machine's Node.js
NODE_VERSION=""
node_version() {
  [[ -n "$NODE_VERSION" ]] || NODE_VERSION="$("$NODE_BIN" -p 'process.versions.node')"
  printf '%s\n' "$NODE_VERSION"
}

ensure_base_image() {
  BASE_IMAGE="${BASE_IMAGE_REPO}:$(node_version)"
  BASE_IMAGE_PUSHED="${REGISTRY_ADDR}/${BASE_IMAGE}"
  if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    build_base_image
    record_created "image:${BASE_IMAGE}"
  fi
  BASE_IMAGE_ID="$(docker image inspect --format '{{.Id}}' "$BASE_IMAGE")"
  # Pushed once; re-pushed when the registry lost it (e.g. storage removed) or it points at another image.
  local marker="${RUN_DIR}/base-image-pushed"
  if [[ "$(cat "$marker" 2>/dev/null || true)" != "${BASE_IMAGE_ID}" ]] || ! registry_has "$BASE_IMAGE"; then
    log "pushing ${BASE_IMAGE_PUSHED}"
    docker tag "$BASE_IMAGE" "$BASE_IMAGE_PUSHED"
    record_created "image:${BASE_IMAGE_PUSHED}"
    quiet docker push "$BASE_IMAGE_PUSHED"
    printf '%s\n' "$BASE_IMAGE_ID" >"$marker"
  fi
  BASE_IMAGE_DIGEST="$(registry_digest "$BASE_IMAGE")"
}

registry_digest() {
  local repo="${1%:*}" tag="${1##*:}"
  curl -fsS --max-time 5 -o /dev/null -D - -I \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://${REGISTRY_ADDR}/v2/${repo}/manifests/${tag}" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}'
}
registry_has() { [[ -n "$(registry_digest "$1" 2>/dev/null || true)" ]]; }

build_base_image() {
  log "building ${BASE_IMAGE} from ${NODE_BIN} ($(node_version)) and ${BUSYBOX_BIN}"
  [[ -x "$BUSYBOX_BIN" ]] || die "${BUSYBOX_BIN} is missing (package busybox-static)"
  if ! file_is_static "$BUSYBOX_BIN"; then die "${BUSYBOX_BIN} is not the static busybox (package busybox-static)"; fi
  local root="${STATE_DIR}/base-image/rootfs" lib
  rm -rf -- "$root"
  mkdir -p -- "${root}/usr/bin" "${root}/bin" "${root}/etc" "${root}/tmp" "${root}/app"
  chmod 1777 -- "${root}/tmp"
  cp -L -- "$NODE_BIN" "${root}/usr/bin/node"
  # Every library ldd lists (absolute paths), kept at the same path inside the image.
  while IFS= read -r lib; do
    mkdir -p -- "${root}$(dirname -- "$lib")"
    cp -L -- "$lib" "${root}${lib}"
  done < <(ldd "$NODE_BIN" | grep -oE '/[^ ]+' | sort -u)
  cp -L -- "$BUSYBOX_BIN" "${root}/bin/busybox"
  local applet
  while IFS= read -r applet; do
    [[ -n "$applet" && ! -e "${root}/bin/${applet}" ]] && ln -s busybox "${root}/bin/${applet}"
  done < <("$BUSYBOX_BIN" --list)
  ln -sfn busybox "${root}/bin/sh"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'node:x:1000:1000:node:/home/node:/bin/sh' \
    'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"${root}/etc/passwd"
  printf '%s\n' 'root:x:0:' 'node:x:1000:' 'nogroup:x:65534:' >"${root}/etc/group"
  mkdir -p -- "${root}/home/node" "${root}/root"
  chown 1000:1000 -- "${root}/home/node"
  tar --numeric-owner -C "$root" -c . |
    quiet docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'WORKDIR /app' \
      --change 'CMD ["/usr/bin/node"]' \
      --change "LABEL base.testbed=base-image base.node-version=$(node_version)" \
      - "$BASE_IMAGE"
  rm -rf -- "$root"
}

file_is_static() { ! ldd "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------- workers (network namespace + own dockerd each)
worker_name() { printf 'worker-cpu-%s' "$1"; }
worker_netns() { printf 'base-worker-cpu-%s' "$1"; }
worker_veth() { printf 'bw-cpu-%s' "$1"; }
worker_addr() { printf '%s.%s' "$BRIDGE_PREFIX" "$((10 + $1))"; }
worker_socket() { printf '/var/run/docker-%s.sock' "$(worker_name "$1")"; }
worker_pidfile() { printf '/var/run/docker-%s.pid' "$(worker_name "$1")"; }
worker_execroot() { printf '/var/run/docker-%s' "$(worker_name "$1")"; }
worker_dataroot() { printf '%s/workers/%s/docker' "$STATE_DIR" "$(worker_name "$1")"; }
wdocker() { local i="$1"; shift; docker -H "unix://$(worker_socket "$i")" "$@"; }
worker_answers() { timeout 10 docker -H "unix://$(worker_socket "$1")" info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

ensure_worker() {
  local i="$1" name ns veth addr
  name="$(worker_name "$i")"; ns="$(worker_netns "$i")"; veth="$(worker_veth "$i")"; addr="$(worker_addr "$i")"

  if ! ip netns list | grep -qE "^${ns}( |$)"; then
    log "${name}: creating network namespace ${ns}"
    ip netns add "$ns"
    record_created "worker:${i}"
  fi
  if ! ip link show dev "$veth" >/dev/null 2>&1; then
    ip link add "$veth" type veth peer name "${veth}-ns"
    ip link set dev "${veth}-ns" netns "$ns"
    ip -n "$ns" link set dev "${veth}-ns" name eth0
    ip link set dev "$veth" master "$BRIDGE" up
    ip -n "$ns" link set dev lo up
    ip -n "$ns" addr add "${addr}/24" dev eth0
    ip -n "$ns" link set dev eth0 up
    ip -n "$ns" route add default via "$BRIDGE_ADDR"
  fi

  ensure_worker_registry_forward "$i"

  if ! worker_answers "$i"; then
    local pid
    pid="$(pid_from "$(worker_pidfile "$i")")"
    if ! pid_alive "$pid"; then
      log "${name}: starting dockerd in ${ns} (log: ${LOG_DIR}/dockerd-${name}.log)"
      mkdir -p -- "$(worker_dataroot "$i")"
      rm -f -- "$(worker_pidfile "$i")"
      # nsenter, not `ip netns exec`: the latter remounts /sys and dockerd then finds no devices cgroup.
      # shellcheck disable=SC2016 # expanded by the inner shell
      setsid -f nsenter --net="/var/run/netns/${ns}" unshare --uts sh -c \
        'hostname "$1"; shift; exec dockerd "$@"' sh "$name" \
        --data-root "$(worker_dataroot "$i")" --exec-root "$(worker_execroot "$i")" \
        --pidfile "$(worker_pidfile "$i")" -H "unix://$(worker_socket "$i")" \
        >>"${LOG_DIR}/dockerd-${name}.log" 2>&1 </dev/null
    fi
    wait_for 90 "${name}'s dockerd to answer" worker_answers "$i"
  fi

  local state
  state="$(wdocker "$i" info --format '{{.Swarm.LocalNodeState}}')"
  if [[ "$state" != "active" ]]; then
    local stale
    # A node record of an earlier incarnation of this worker would otherwise remain as a Down duplicate.
    if created_has "worker:${i}"; then
      while IFS= read -r stale; do
        [[ -n "$stale" ]] && quiet docker node rm --force "$stale"
      done < <(docker node ls --filter "name=${name}" --format '{{.ID}} {{.Hostname}} {{.Status}}' |
        awk -v n="$name" '$2 == n && $3 == "Down" {print $1}')
    fi
    log "${name}: joining the Swarm at ${SWARM_ADDR}:2377"
    quiet wdocker "$i" swarm join --token "$(docker swarm join-token -q worker)" \
      --advertise-addr "$addr" --listen-addr "${addr}:2377" "${SWARM_ADDR}:2377"
  fi

  if ! wdocker "$i" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    log "${name}: loading ${BASE_IMAGE}"
    docker save "$BASE_IMAGE" | quiet wdocker "$i" load
  fi
}

# Inside worker I, 127.0.0.1:5000 leads to the manager's registry (its bridge listener), so image references
# `127.0.0.1:5000/...@sha256:...` pull on workers as on the manager.
ensure_worker_registry_forward() {
  local i="$1" ns addr
  ns="$(worker_netns "$i")"; addr="$(worker_addr "$i")"
  created_has "registry-bridge" || return 0
  local -a in_ns=(nsenter --net="/var/run/netns/${ns}")
  local -a dnat=(OUTPUT -d 127.0.0.1/32 -p tcp --dport 5000 -j DNAT --to-destination "$REGISTRY_BRIDGE_ADDR")
  local -a snat=(POSTROUTING -s 127.0.0.1/32 -d "${BRIDGE_ADDR}/32" -p tcp --dport 5000 -j SNAT --to-source "$addr")
  # /proc/sys/net shows the namespace of the process that opens it.
  "${in_ns[@]}" sh -c 'echo 1 >/proc/sys/net/ipv4/conf/all/route_localnet'
  "${in_ns[@]}" iptables -t nat -C "${dnat[@]}" 2>/dev/null || "${in_ns[@]}" iptables -t nat -I "${dnat[@]}"
  "${in_ns[@]}" iptables -t nat -C "${snat[@]}" 2>/dev/null || "${in_ns[@]}" iptables -t nat -I "${snat[@]}"
}

existing_workers() {
  ip netns list 2>/dev/null | grep -oE '^base-worker-cpu-[0-9]+' | sed 's/^base-worker-cpu-//' | sort -n
}

# ---------------------------------------------------------------- endpoints.json
write_endpoints() {
  local workers_json="[" sep="" i node_id
  for i in $(existing_workers); do
    node_id="$(wdocker "$i" info --format '{{.Swarm.NodeID}}' 2>/dev/null || true)"
    workers_json+="${sep}{\"hostname\":\"$(worker_name "$i")\",\"socket\":\"$(worker_socket "$i")\","
    workers_json+="\"dockerHost\":\"unix://$(worker_socket "$i")\",\"address\":\"$(worker_addr "$i")\","
    workers_json+="\"namespace\":\"$(worker_netns "$i")\",\"nodeId\":\"${node_id}\"}"
    sep=","
  done
  workers_json+="]"
  local tmp="${ENDPOINTS}.tmp"
  (
    umask 077
    # shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
    TB_STATE_DIR="$STATE_DIR" TB_SOCKET="$DOCKER_SOCKET" TB_API="$(docker version --format '{{.Server.APIVersion}}')" \
      TB_ENGINE="$(docker version --format '{{.Server.Version}}')" TB_SWARM_ADDR="$SWARM_ADDR" \
      TB_MANAGER_ID="$(docker info --format '{{.Swarm.NodeID}}')" TB_REGISTRY="$REGISTRY_ADDR" \
      TB_DB_URL="$DATABASE_URL" TB_DB_PORT="$PG_PORT" TB_DB_NAME="$DB_NAME" TB_DB_ROLE="$DB_ROLE" \
      TB_DB_PASSWORD_FILE="$DB_PASSWORD_FILE" TB_BASE_IMAGE="$BASE_IMAGE" TB_BASE_ID="$BASE_IMAGE_ID" \
      TB_BASE_PUSHED="$BASE_IMAGE_PUSHED" TB_BASE_DIGEST="$BASE_IMAGE_DIGEST" TB_NODE="$(node_version)" \
      TB_BRIDGE="$BRIDGE" TB_BRIDGE_ADDR="$BRIDGE_ADDR" TB_WORKERS="$workers_json" \
      "$NODE_BIN" -e '
        const e = process.env;
        const out = {
          stateDir: e.TB_STATE_DIR,
          docker: { socket: e.TB_SOCKET, host: `unix://${e.TB_SOCKET}`, apiVersion: e.TB_API, engineVersion: e.TB_ENGINE },
          swarm: { advertiseAddr: e.TB_SWARM_ADDR, joinAddr: `${e.TB_SWARM_ADDR}:2377`, managerNodeId: e.TB_MANAGER_ID },
          registry: { address: e.TB_REGISTRY, url: `http://${e.TB_REGISTRY}` },
          database: {
            url: e.TB_DB_URL, host: "127.0.0.1", port: Number(e.TB_DB_PORT), database: e.TB_DB_NAME,
            user: e.TB_DB_ROLE, passwordFile: e.TB_DB_PASSWORD_FILE,
          },
          baseImage: {
            ref: e.TB_BASE_IMAGE, id: e.TB_BASE_ID, nodeVersion: e.TB_NODE,
            registryRef: `${e.TB_BASE_PUSHED}@${e.TB_BASE_DIGEST}`, digest: e.TB_BASE_DIGEST,
          },
          bridge: { name: e.TB_BRIDGE, address: e.TB_BRIDGE_ADDR, cidr: e.TB_BRIDGE_ADDR.replace(/\.\d+$/, ".0/24") },
          workers: JSON.parse(e.TB_WORKERS),
        };
        process.stdout.write(JSON.stringify(out, null, 2) + "\n");
      ' >"$tmp"
  )
  if [[ -f "$ENDPOINTS" ]] && cmp -s -- "$tmp" "$ENDPOINTS"; then
    rm -f -- "$tmp"
  else
    mv -f -- "$tmp" "$ENDPOINTS"
    log "wrote ${ENDPOINTS}"
  fi
  chmod 0600 -- "$ENDPOINTS"
}

# ---------------------------------------------------------------- commands
cmd_up() {
  local workers=0
  while (($#)); do
    case "$1" in
      --workers) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || die "--workers needs a number"; workers="$2"; shift 2 ;;
      --workers=*) workers="${1#--workers=}"; [[ "$workers" =~ ^[0-9]+$ ]] || die "--workers needs a number"; shift ;;
      *) usage; die "unknown option for up: $1" ;;
    esac
  done
  local started=$SECONDS
  ensure_state_dir
  ensure_packages
  ensure_bridge
  ensure_dockerd
  ensure_forward_rule
  ensure_swarm
  SWARM_ADDR="$(docker info --format '{{.Swarm.NodeAddr}}')"
  ensure_registry
  ensure_postgres
  ensure_base_image
  local i
  for ((i = 1; i <= workers; i++)); do ensure_worker "$i"; done
  write_endpoints
  log "up ($((SECONDS - started))s): docker ${DOCKER_SOCKET}, swarm ${SWARM_ADDR}, registry ${REGISTRY_ADDR}," \
    "postgres 127.0.0.1:${PG_PORT}/${DB_NAME}, image ${BASE_IMAGE}, workers: $(existing_workers | wc -l)"
}

down_worker() {
  local i="$1" name ns veth
  name="$(worker_name "$i")"; ns="$(worker_netns "$i")"; veth="$(worker_veth "$i")"
  log "${name}: removing"
  local node_id=""
  if worker_answers "$i"; then
    node_id="$(wdocker "$i" info --format '{{.Swarm.NodeID}}' 2>/dev/null || true)"
    wdocker "$i" swarm leave --force >/dev/null 2>&1 || true
  fi
  if [[ -n "$node_id" ]] && docker_answers; then
    # The manager marks the node down a moment after it left; rm --force works either way.
    docker node rm --force "$node_id" >/dev/null 2>&1 || true
  fi
  stop_pid "$(pid_from "$(worker_pidfile "$i")")" "${name}'s dockerd"
  rm -f -- "$(worker_pidfile "$i")" "$(worker_socket "$i")"
  # Leftover mounts of that engine (overlay layers, netns files) would keep its folders busy.
  local mnt
  while IFS= read -r mnt; do umount -l -- "$mnt" 2>/dev/null || true; done < <(
    awk -v a="$(worker_dataroot "$i")" -v b="$(worker_execroot "$i")" \
      'index($2, a) == 1 || index($2, b) == 1 {print $2}' /proc/self/mounts | sort -r)
  rm -rf -- "$(worker_execroot "$i")" "${STATE_DIR}/workers/${name}"
  ip link del dev "$veth" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  forget_created "worker:${i}"
}

cmd_down() {
  [[ -f "$RECORD" ]] || { log "nothing recorded in ${RECORD}; nothing to remove"; return 0; }
  local i
  for i in $(existing_workers); do
    if created_has "worker:${i}"; then down_worker "$i"; else log "$(worker_name "$i") was not created here; left alone"; fi
  done

  if created_has "registry-bridge"; then
    stop_pid "$(pid_from "${RUN_DIR}/registry-bridge.pid")" "registry-bridge"
    rm -f -- "${RUN_DIR}/registry-bridge.pid"
    forget_created "registry-bridge"
  fi
  if created_has "registry"; then
    stop_pid "$(pid_from "${RUN_DIR}/registry.pid")" "registry"
    rm -rf -- "${STATE_DIR}/registry" "${RUN_DIR}/registry.pid" "${RUN_DIR}/base-image-pushed"
    forget_created "registry"
  fi

  if docker_answers; then
    if created_has "swarm"; then
      log "leaving the Swarm this script initialised (its services go with it)"
      docker swarm leave --force >/dev/null 2>&1 || true
      forget_created "swarm"
    fi
    # Images made by the tests' image helper (reconciler/testbed/images.ts) carry this label and sit on the base image.
    local id
    while IFS= read -r id; do
      [[ -n "$id" ]] && { docker image rm --force "$id" >/dev/null 2>&1 || true; }
    done < <(docker image ls --quiet --filter 'label=base.test.content-hash' | sort -u)
    local ref
    while IFS= read -r ref; do
      [[ -n "$ref" ]] || continue
      if ! docker image inspect "$ref" >/dev/null 2>&1 || docker image rm "$ref" >/dev/null 2>&1; then
        forget_created "image:${ref}"
      else
        log "could not remove image ${ref} (images built on it still exist?); left, and still recorded"
      fi
    done < <(sed -n 's/^image://p' "$RECORD" | sort -r)
  fi
  if created_has "dockerd"; then
    stop_pid "$(pid_from "$DOCKER_PIDFILE")" "dockerd"
    forget_created "dockerd"
  fi
  if created_has "iptables-forward"; then
    iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null || true
    forget_created "iptables-forward"
  fi
  if created_has "bridge"; then
    ip link del dev "$BRIDGE" 2>/dev/null || true
    forget_created "bridge"
  fi

  if [[ -n "$(pg_cluster_line)" ]]; then
    PG_PORT="$(pg_cluster_line | awk '{print $3}')"
    if [[ "$(pg_cluster_line | awk '{print $4}')" == "online" ]]; then
      if created_has "pg-database"; then
        log "dropping database ${DB_NAME}"
        psql_value "DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)" >/dev/null && forget_created "pg-database"
      fi
      if created_has "pg-role"; then
        # Databases the tests made with this role (it has CREATEDB) go with it; nobody else can own them.
        local db
        while IFS= read -r db; do
          [[ -n "$db" ]] || continue
          log "dropping database ${db} (owned by ${DB_ROLE})"
          psql_value "DROP DATABASE IF EXISTS \"${db}\" WITH (FORCE)" >/dev/null || true
        done < <(psql_value "SELECT datname FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = '${DB_ROLE}')")
        log "dropping role ${DB_ROLE}"
        if psql_value "DROP OWNED BY ${DB_ROLE}" >/dev/null && psql_value "DROP ROLE IF EXISTS ${DB_ROLE}" >/dev/null; then
          forget_created "pg-role"
          rm -f -- "$DB_PASSWORD_FILE"
        else
          log "could not drop role ${DB_ROLE}; kept it (and its password file)"
        fi
      fi
    fi
    if created_has "pg-started" || created_has "pg-cluster"; then
      log "stopping PostgreSQL ${PG_VERSION}/${PG_CLUSTER}"
      pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop >/dev/null 2>&1 || true
      forget_created "pg-started"
    fi
    if created_has "pg-cluster"; then
      log "dropping PostgreSQL cluster ${PG_VERSION}/${PG_CLUSTER}"
      pg_dropcluster "$PG_VERSION" "$PG_CLUSTER" >/dev/null 2>&1 || true
      forget_created "pg-cluster"
    fi
  fi

  rm -f -- "$ENDPOINTS"
  # Everything else recorded is gone: the state folder (logs, registry storage, record) goes too, if it is ours.
  if created_has "state-dir" && [[ "$(grep -cvxF 'state-dir' "$RECORD" || true)" == "0" ]]; then
    rm -rf -- "$STATE_DIR"
  elif [[ -s "$RECORD" ]]; then
    log "still recorded (not removed): $(tr '\n' ' ' <"$RECORD")"
  fi
  log "down: removed what this test bed had created"
}

cmd_status() {
  local rc=0
  printf 'state folder: %s\n' "$STATE_DIR"
  if docker_answers; then
    printf 'dockerd:      up (%s, API %s)%s\n' "$(docker version --format '{{.Server.Version}}')" \
      "$(docker version --format '{{.Server.APIVersion}}')" "$(if created_has dockerd; then echo ', started by the test bed'; fi)"
    printf 'swarm:        %s (node addr %s)\n' "$(docker info --format '{{.Swarm.LocalNodeState}}')" \
      "$(docker info --format '{{.Swarm.NodeAddr}}')"
    docker node ls --format 'node {{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}' 2>/dev/null |
      sed 's/^/              /' || true
  else
    printf 'dockerd:      not answering on %s\n' "$DOCKER_SOCKET"; rc=1
  fi
  if registry_answers; then printf 'registry:     up at http://%s\n' "$REGISTRY_ADDR"
  else printf 'registry:     not answering at http://%s\n' "$REGISTRY_ADDR"; rc=1; fi
  if registry_answers "$REGISTRY_BRIDGE_ADDR"; then printf 'registry:     up at http://%s (for workers)\n' "$REGISTRY_BRIDGE_ADDR"; fi
  local line
  line="$(pg_cluster_line || true)"
  if [[ -n "$line" ]]; then printf 'postgresql:   %s\n' "$(awk '{print $1 "/" $2 " port " $3 " " $4}' <<<"$line")"
  else printf 'postgresql:   no cluster %s/%s\n' "$PG_VERSION" "$PG_CLUSTER"; rc=1; fi
  local image
  image="${BASE_IMAGE_REPO}:$(node_version)"
  if docker_answers && docker image inspect "$image" >/dev/null 2>&1; then printf 'base image:   %s\n' "$image"
  else printf 'base image:   %s missing\n' "$image"; rc=1; fi
  local i
  for i in $(existing_workers); do
    if worker_answers "$i"; then
      printf 'worker:       %s %s swarm=%s\n' "$(worker_name "$i")" "$(worker_addr "$i")" \
        "$(wdocker "$i" info --format '{{.Swarm.LocalNodeState}}')"
    else printf 'worker:       %s %s dockerd not answering\n' "$(worker_name "$i")" "$(worker_addr "$i")"; rc=1; fi
  done
  if [[ -f "$ENDPOINTS" ]]; then printf 'endpoints:    %s\n' "$ENDPOINTS"; else printf 'endpoints:    none\n'; rc=1; fi
  return "$rc"
}

main() {
  [[ $# -ge 1 ]] || { usage; exit 2; }
  local cmd="$1"; shift
  case "$cmd" in
    -h | --help | help) usage; return 0 ;;
  esac
  [[ "$(id -u)" == "0" ]] || die "must run as root"
  if [[ "$cmd" == "status" ]]; then cmd_status; return; fi
  # One up/down at a time: several test runs may call `make testbed-up` at once. `flock -o` holds the lock in its
  # own process and runs this script without the lock's descriptor, so no daemon started here (dockerd, registry,
  # PostgreSQL) can inherit it and keep it locked after the script ends.
  if [[ "${BASE_TESTBED_LOCKED:-}" != "1" ]]; then
    mkdir -p /run/lock
    exec env BASE_TESTBED_LOCKED=1 flock -o /run/lock/base-testbed-script.lock "$BASH" "${BASH_SOURCE[0]}" "$cmd" "$@"
  fi
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *) usage; die "unknown command: ${cmd}" ;;
  esac
}

# Sourcing the script (for a check of one function) defines everything and runs nothing.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
