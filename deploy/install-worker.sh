#!/usr/bin/env bash
# Enrols this host as a BASE Swarm worker (CPU or GPU), by hand on the worker: there is no SSH from the manager.
#
# DRY RUN BY DEFAULT: prints every command it would run and changes nothing; --apply runs them. Installing the
# daemon.json (and restarting Docker) needs its own flag, --write-daemon-json.
#
# The join token comes ONLY from the JOIN_TOKEN environment variable (get it on the manager with
# `docker swarm join-token -q worker`). It is never printed and never put in a process's argv: instead of
# `docker swarm join --token ...` (argv, visible in /proc/PID/cmdline to every local user), the script sends the
# join request to the Engine API (POST /swarm/join) over the Docker socket with curl, the JSON body on curl's stdin
# written by bash's builtin printf (no child process carries it).
set -euo pipefail
# The value stays in this shell only: no child process (docker, curl) inherits it in its environment.
export -n JOIN_TOKEN

REPO_DEPLOY="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
API_VERSION="v1.41"
GPU_RESOURCE="NVIDIA-GPU"
GPU_PLACEHOLDER="${GPU_RESOURCE}=GPU-00000000-0000-0000-0000-000000000000"
NVIDIA_RUNTIME_CONFIG="/etc/nvidia-container-runtime/config.toml"
RENDERED=""

APPLY=0
WRITE_DAEMON_JSON=0
ALLOW_NEW_PRIVILEGES=0
MANAGER_ADDR=""
WORKLOAD=""
ADVERTISE_ADDR=""
LISTEN_ADDR="0.0.0.0:2377"
DAEMON_JSON_PATH="/etc/docker/daemon.json"
GPUS=()

usage() {
  cat <<'EOF'
usage: JOIN_TOKEN=... deploy/install-worker.sh --manager-addr HOST[:PORT] --workload cpu|gpu [options]

Joins this host's Docker engine to the BASE Swarm as a worker. Without --apply nothing is changed: every command
is printed instead (a dry run).

  --apply                   run the steps (default: dry run, print them)
  --manager-addr HOST[:PORT]  a manager's Swarm address (port default 2377)
  --workload cpu|gpu        which daemon.json template applies (deploy/daemon/cpu-worker.json or gpu-worker.json)
  --advertise-addr ADDR     address the manager reaches this worker on (default: chosen by Docker)
  --listen-addr ADDR:PORT   Swarm listen address (default 0.0.0.0:2377)
  --write-daemon-json       DESTRUCTIVE: install the workload's daemon.json and restart Docker
  --daemon-json-path PATH   where --write-daemon-json writes, and the no-new-privileges check reads
                            (default /etc/docker/daemon.json)
  --allow-new-privileges    go on when that daemon.json lacks "no-new-privileges": true (not for production)
  --nvidia-runtime-config PATH  with --workload gpu: the NVIDIA runtime's config.toml
                            (default /etc/nvidia-container-runtime/config.toml)
  --gpu UUID                with --workload gpu: a GPU to advertise as NVIDIA-GPU (repeatable;
                            default: every GPU nvidia-smi lists)
  -h, --help                this help

Environment: JOIN_TOKEN (required with --apply; never printed), DOCKER_HOST (unix:// socket of this host's engine).
EOF
}

die() { printf 'install-worker: error: %s\n' "$*" >&2; exit 1; }
say() { printf '%s\n' "$*"; }
need_value() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value"; }

while (($#)); do
  case "$1" in
    --apply) APPLY=1; shift ;;
    --write-daemon-json) WRITE_DAEMON_JSON=1; shift ;;
    --allow-new-privileges) ALLOW_NEW_PRIVILEGES=1; shift ;;
    --manager-addr) need_value "$@"; MANAGER_ADDR="$2"; shift 2 ;;
    --workload) need_value "$@"; WORKLOAD="$2"; shift 2 ;;
    --advertise-addr) need_value "$@"; ADVERTISE_ADDR="$2"; shift 2 ;;
    --listen-addr) need_value "$@"; LISTEN_ADDR="$2"; shift 2 ;;
    --daemon-json-path) need_value "$@"; DAEMON_JSON_PATH="$2"; shift 2 ;;
    --gpu) need_value "$@"; GPUS+=("$2"); shift 2 ;;
    --nvidia-runtime-config) need_value "$@"; NVIDIA_RUNTIME_CONFIG="$2"; shift 2 ;;
    --join-token | --token) die "the join token is read only from the JOIN_TOKEN environment variable (never from the command line)" ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done
[[ -n "$MANAGER_ADDR" ]] || die "--manager-addr HOST[:PORT] is required"
[[ "$WORKLOAD" == cpu || "$WORKLOAD" == gpu ]] || die "--workload: expected cpu or gpu, found '${WORKLOAD}'"
[[ "$MANAGER_ADDR" == *:* ]] || MANAGER_ADDR="${MANAGER_ADDR}:2377"
ADDR_PATTERN='^[][A-Za-z0-9._:-]+$'
for addr in "$MANAGER_ADDR" "$LISTEN_ADDR" ${ADVERTISE_ADDR:+"$ADVERTISE_ADDR"}; do
  [[ "$addr" =~ $ADDR_PATTERN ]] || die "not an address: '${addr}'"
done
for gpu in ${GPUS[@]+"${GPUS[@]}"}; do
  [[ "$gpu" =~ ^[A-Za-z0-9-]+$ ]] || die "--gpu: not a GPU UUID: '${gpu}'"
done
((${#GPUS[@]} == 0)) || [[ "$WORKLOAD" == gpu ]] || die "--gpu only goes with --workload gpu"

DOCKER_SOCKET="/var/run/docker.sock"
if [[ -n "${DOCKER_HOST:-}" ]]; then
  [[ "$DOCKER_HOST" == unix://* ]] || die "DOCKER_HOST must be a unix:// socket of this host's engine (found a non-socket address)"
  DOCKER_SOCKET="${DOCKER_HOST#unix://}"
fi
export DOCKER_HOST="unix://${DOCKER_SOCKET}"

STEP=0
shell_quote() {
  local out="" arg
  for arg in "$@"; do out+="${out:+ }$(printf '%q' "$arg")"; done
  printf '%s' "$out"
}
announce() { STEP=$((STEP + 1)); printf '%2d. %-6s %s\n' "$STEP" "$1" "$2"; }
skip() { printf '    skip: %s\n' "$*"; }
run() {
  announce run "$(shell_quote "$@")"
  ((APPLY)) || return 0
  "$@"
}

check_join_token() {
  announce check "JOIN_TOKEN is set and looks like SWMTKN-1-...   (value never printed)"
  if [[ -z "${JOIN_TOKEN:-}" ]]; then
    if ((APPLY)); then die "JOIN_TOKEN is not set: on the manager run \`docker swarm join-token -q worker\` and export its output as JOIN_TOKEN"; fi
    skip "JOIN_TOKEN is not set (needed with --apply)"
    return 0
  fi
  [[ "$JOIN_TOKEN" =~ ^SWMTKN-1-[a-z0-9]+-[a-z0-9]+$ ]] || die "JOIN_TOKEN does not look like a Swarm join token (SWMTKN-1-<digest>-<secret>)"
}

check_docker() {
  announce check "docker version --format '{{.Server.Version}}'   (DOCKER_HOST=${DOCKER_HOST})"
  ((APPLY)) || return 0
  local version
  version="$(docker version --format '{{.Server.Version}}' 2>/dev/null)" || die "the Docker engine at ${DOCKER_HOST} does not answer; install docker.io and start it"
  say "    engine ${version}"
}

gpu_uuids() {
  if ((${#GPUS[@]})); then printf '%s\n' "${GPUS[@]}"; return 0; fi
  command -v nvidia-smi >/dev/null || die "--workload gpu: nvidia-smi not found; install the NVIDIA driver or name the GPUs with --gpu UUID"
  nvidia-smi --query-gpu=uuid --format=csv,noheader | tr -d ' '
}

install_daemon_json() {
  local template="${REPO_DEPLOY}/daemon/${WORKLOAD}-worker.json"
  if ((!WRITE_DAEMON_JSON)); then
    announce skip "daemon.json: not touched (add --write-daemon-json to install deploy/daemon/${WORKLOAD}-worker.json as ${DAEMON_JSON_PATH} and restart Docker)"
    return 0
  fi
  RENDERED="$(mktemp)"
  trap 'rm -f -- "$RENDERED"' EXIT
  local rendered="$RENDERED"
  if [[ "$WORKLOAD" == gpu ]]; then
    local list="" uuid
    if ((APPLY)) || ((${#GPUS[@]})); then
      while IFS= read -r uuid; do
        [[ -n "$uuid" ]] && list+="${list:+, }\"${GPU_RESOURCE}=${uuid}\""
      done < <(gpu_uuids)
      [[ -n "$list" ]] || die "no GPU found to advertise"
      announce check "command -v nvidia-container-runtime; test -f ${NVIDIA_RUNTIME_CONFIG}   (the gpu daemon.json makes it the default runtime)"
      if ((APPLY)); then
        command -v nvidia-container-runtime >/dev/null || die "nvidia-container-runtime not found: install nvidia-container-toolkit first"
        [[ -f "$NVIDIA_RUNTIME_CONFIG" ]] || die "${NVIDIA_RUNTIME_CONFIG} not found: install nvidia-container-toolkit first (or give --nvidia-runtime-config)"
      fi
    else
      list="\"${GPU_RESOURCE}=<each GPU from: nvidia-smi --query-gpu=uuid --format=csv,noheader>\""
    fi
    sed "s|\"${GPU_PLACEHOLDER}\"|${list}|" "$template" >"$rendered"
    announce write "${DAEMON_JSON_PATH} <- deploy/daemon/gpu-worker.json with node-generic-resources [${list}]"
  else
    cp -- "$template" "$rendered"
    announce write "${DAEMON_JSON_PATH} <- deploy/daemon/cpu-worker.json"
  fi
  if ((APPLY)) && ! cmp -s -- "$rendered" "$DAEMON_JSON_PATH" && ! command -v systemctl >/dev/null; then
    die "--write-daemon-json restarts Docker with systemctl, which this host lacks: install the daemon.json and restart dockerd yourself, then run again without the flag"
  fi
  if ((APPLY)) && cmp -s -- "$rendered" "$DAEMON_JSON_PATH"; then
    skip "${DAEMON_JSON_PATH} is already this content"
  else
    if ((!APPLY)) || [[ -e "$DAEMON_JSON_PATH" ]]; then run cp -p -- "$DAEMON_JSON_PATH" "${DAEMON_JSON_PATH}.before-base"; fi
    if ((APPLY)); then install -D -m 0644 -- "$rendered" "$DAEMON_JSON_PATH"; fi
    if [[ "$WORKLOAD" == gpu ]]; then
      # The runtime exposes to a task only the GPUs Swarm assigned it (env DOCKER_RESOURCE_NVIDIA-GPU).
      run sed -i -E "s|^#? *swarm-resource *=.*|swarm-resource = \"DOCKER_RESOURCE_${GPU_RESOURCE}\"|" "$NVIDIA_RUNTIME_CONFIG"
    fi
    run systemctl restart docker
    announce check "docker version   (wait up to 60s for the engine to answer again)"
    if ((APPLY)); then
      local i
      for ((i = 0; i < 300; i++)); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
      docker version >/dev/null 2>&1 || die "Docker did not come back within 60s; see journalctl -u docker (previous file: ${DAEMON_JSON_PATH}.before-base)"
    fi
  fi
  rm -f -- "$rendered"
  trap - EXIT
}

# no-new-privileges daemon-wide: a Swarm service cannot ask for it (docker service create has no --security-opt), so
# the engine must set it for every container: "no-new-privileges": true in its daemon.json (the templates do). The
# check reads DAEMON_JSON_PATH on this host; --allow-new-privileges goes on without it (never in production).
check_no_new_privileges() {
  announce check "grep '\"no-new-privileges\": true' ${DAEMON_JSON_PATH}   (no setuid escalation in any container)"
  ((APPLY)) || return 0
  if [[ -r "$DAEMON_JSON_PATH" ]] && grep -Eq '"no-new-privileges"[[:space:]]*:[[:space:]]*true' -- "$DAEMON_JSON_PATH"; then
    say "    ${DAEMON_JSON_PATH} sets no-new-privileges"
    return 0
  fi
  if ((ALLOW_NEW_PRIVILEGES)); then
    say "    warning: ${DAEMON_JSON_PATH} does not set \"no-new-privileges\": true; going on because of --allow-new-privileges (not for production)"
    return 0
  fi
  die "${DAEMON_JSON_PATH} does not set \"no-new-privileges\": true (Swarm services cannot set it themselves): add it and restart Docker, or install the template with --write-daemon-json; --allow-new-privileges goes on without it (not for production)"
}

json_list() {
  local out="" item
  for item in "$@"; do out+="${out:+,}\"${item}\""; done
  printf '[%s]' "$out"
}

join_swarm() {
  announce check "docker info --format '{{.Swarm.LocalNodeState}}'   (active: already in a Swarm, not joined again)"
  if ((APPLY)); then
    local state
    state="$(docker info --format '{{.Swarm.LocalNodeState}}')"
    if [[ "$state" == active ]]; then skip "this engine is already part of a Swarm (docker swarm leave first to move it)"; return 0; fi
    [[ "$state" == inactive ]] || die "unexpected Swarm state '${state}' of this engine (pending or error): check docker info"
  fi
  local fields remotes
  remotes="$(json_list "$MANAGER_ADDR")"
  fields="\"ListenAddr\":\"${LISTEN_ADDR}\",\"RemoteAddrs\":${remotes}"
  [[ -z "$ADVERTISE_ADDR" ]] || fields+=",\"AdvertiseAddr\":\"${ADVERTISE_ADDR}\""
  local -a curl_args=(curl --silent --show-error --fail-with-body --max-time 120 --unix-socket "$DOCKER_SOCKET"
    -H 'Content-Type: application/json' --data-binary @- "http://localhost/${API_VERSION}/swarm/join")
  announce run "printf '{${fields},\"JoinToken\":\"<\$JOIN_TOKEN>\"}' | $(shell_quote "${curl_args[@]}")"
  ((APPLY)) || return 0
  local response
  # printf is a bash builtin: the token reaches curl's stdin without being in any argv.
  if ! response="$(printf '{%s,"JoinToken":"%s"}' "$fields" "$JOIN_TOKEN" | "${curl_args[@]}" 2>&1)"; then
    die "joining the Swarm at ${MANAGER_ADDR} failed: ${response//${JOIN_TOKEN}/<JOIN_TOKEN>}"
  fi
}

print_next_steps() {
  local name="<this host's name: docker info --format '{{.Name}}'>"
  if ((APPLY)); then name="$(docker info --format '{{.Name}}')"; fi
  cat <<EOF
Next, on the manager (the reconciler labels the node; no SSH to this worker is needed):
  1. add this worker to desired-state/subnet.yaml by pull request:
       workers:
         - hostname: ${name}
           workload: ${WORKLOAD}
           availability: active
  2. after the merge: base apply desired-state/subnet.yaml
     (by hand, without the file, the label would be: docker node update --label-add base.workload=${WORKLOAD} ${name};
      the next base apply then manages it from the file)
EOF
}

if ((APPLY)); then say "install-worker: applying (DOCKER_HOST=${DOCKER_HOST})"
else say "install-worker: DRY RUN, nothing is changed; these are the steps --apply runs (checks decide which run)"; fi
check_join_token
check_docker
install_daemon_json
check_no_new_privileges
join_swarm
print_next_steps
if ((!APPLY)); then say "install-worker: dry run complete; re-run with --apply to make these changes"; fi
