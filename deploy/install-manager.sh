#!/usr/bin/env bash
# Prepares a Swarm manager host for BASE and hands over to the reconciler (`base apply`).
#
# DRY RUN BY DEFAULT: prints every command it would run, in order, and changes nothing. Add --apply to run them.
# Destructive steps need their own flag as well (--write-daemon-json replaces /etc/docker/daemon.json and restarts
# Docker). Idempotent: a second --apply finds everything in place and changes nothing.
#
# Secrets: the admin token goes into `docker secret create NAME -` through stdin, from a 0600 file; its value is
# never printed and never in an argv. The master signing key is NOT created here: the reconciler mints it in its
# state folder and creates the Swarm secret `base-master-signing-key-<hash12>` itself during `base apply` (the name
# carries the value's hash, see reconciler/state/). This script only makes sure the state folder exists (0700).
# The control-plane PostgreSQL URL (master.database_url_secret, required in production) goes the same way as the
# admin token: `docker secret create NAME -` on stdin, from --database-url-file or $BASE_DATABASE_URL; never generated.
#
# Run from a checkout of the repository (it runs `node bin/base.mjs`). See deploy/README.md.
set -euo pipefail
# The value stays in this shell only: no child process (docker, node) inherits it in its environment.
export -n BASE_ADMIN_TOKEN BASE_DATABASE_URL

REPO_ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
MIN_DOCKER_VERSION="20.10"

APPLY=0
WRITE_DAEMON_JSON=0
ALLOW_NEW_PRIVILEGES=0
ADVERTISE_ADDR=""
DESIRED_STATE="desired-state/subnet.yaml"
STATE_DIR="${BASE_STATE_DIR:-/var/lib/base/reconciler}"
ADMIN_TOKEN_FILE="/etc/base/admin-token"
DATABASE_URL_FILE=""
IMAGE=""
BUILD=0
BASE_IMAGE=""
DAEMON_JSON_PATH="/etc/docker/daemon.json"
ROLLOUT_TIMEOUT="180"
ONLY_PREFIXES=()

usage() {
  cat <<'EOF'
usage: deploy/install-manager.sh [options]

Prepares this host as the BASE Swarm manager, then runs `base apply` on the desired state.
Without --apply nothing is changed: every command is printed instead (a dry run).

  --apply                    run the steps (default: dry run, print them)
  --advertise-addr ADDR      address other nodes reach this manager on (needed when the Swarm is not initialised)
  --desired-state FILE       desired-state file (default: desired-state/subnet.yaml, relative to the repository)
  --state-dir DIR            reconciler state folder: challenge tokens, master signing key seed
                             (default: $BASE_STATE_DIR or /var/lib/base/reconciler)
  --admin-token-file FILE    0600 file holding the admin token (default: /etc/base/admin-token). Used when it exists;
                             otherwise the value comes from $BASE_ADMIN_TOKEN, or is generated and written there
  --database-url-file FILE   0600 file holding the control-plane PostgreSQL URL, for the secret named by
                             master.database_url_secret when it does not exist yet (else $BASE_DATABASE_URL)
  --image REF                master image to use (default: master.image of the desired state); pulled if missing
  --build                    build REF from the repository Dockerfile instead of pulling it
  --base-image REF           with --build: --build-arg BASE_IMAGE=REF (e.g. the test bed's base/node-runtime:<v>)
  --write-daemon-json        DESTRUCTIVE: install deploy/daemon/manager.json as the Docker daemon.json and restart
                             Docker (running containers restart)
  --daemon-json-path PATH    where --write-daemon-json writes, and the no-new-privileges check reads
                             (default: /etc/docker/daemon.json)
  --allow-new-privileges     go on when that daemon.json lacks "no-new-privileges": true (not for production)
  --rollout-timeout SECONDS  passed to base apply (default: 180)
  --only-prefix PREFIX       passed to base apply (repeatable): limit it to objects named so (tests, staged rollouts)
  -h, --help                 this help

Environment: DOCKER_HOST (Docker engine, default the local socket), BASE_ADMIN_TOKEN (admin token value, never
printed), BASE_DATABASE_URL (control-plane PostgreSQL URL, never printed), BASE_STATE_DIR.
EOF
}

die() { printf 'install-manager: error: %s\n' "$*" >&2; exit 1; }
say() { printf '%s\n' "$*"; }

need_value() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value"; }
while (($#)); do
  case "$1" in
    --apply) APPLY=1; shift ;;
    --write-daemon-json) WRITE_DAEMON_JSON=1; shift ;;
    --allow-new-privileges) ALLOW_NEW_PRIVILEGES=1; shift ;;
    --build) BUILD=1; shift ;;
    --advertise-addr) need_value "$@"; ADVERTISE_ADDR="$2"; shift 2 ;;
    --desired-state) need_value "$@"; DESIRED_STATE="$2"; shift 2 ;;
    --state-dir) need_value "$@"; STATE_DIR="$2"; shift 2 ;;
    --admin-token-file) need_value "$@"; ADMIN_TOKEN_FILE="$2"; shift 2 ;;
    --database-url-file) need_value "$@"; DATABASE_URL_FILE="$2"; shift 2 ;;
    --image) need_value "$@"; IMAGE="$2"; shift 2 ;;
    --base-image) need_value "$@"; BASE_IMAGE="$2"; shift 2 ;;
    --daemon-json-path) need_value "$@"; DAEMON_JSON_PATH="$2"; shift 2 ;;
    --rollout-timeout) need_value "$@"; ROLLOUT_TIMEOUT="$2"; shift 2 ;;
    --only-prefix) need_value "$@"; ONLY_PREFIXES+=("$2"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done
[[ -z "$BASE_IMAGE" || "$BUILD" == 1 ]] || die "--base-image only goes with --build"
[[ "$ROLLOUT_TIMEOUT" =~ ^[0-9]+$ ]] || die "--rollout-timeout: expected whole seconds, found '${ROLLOUT_TIMEOUT}'"

cd -- "$REPO_ROOT"
[[ -f "$DESIRED_STATE" ]] || die "desired-state file ${DESIRED_STATE} not found (relative to ${REPO_ROOT})"
command -v node >/dev/null || die "node (20+) is needed to run the reconciler (bin/base.mjs)"

# Reads master.image / master.admin_token_secret / master.database_url_secret from the desired state (the reconciler validates the file itself).
desired_field() {
  node --input-type=module -e '
    import { readFileSync } from "node:fs";
    import { parse } from "yaml";
    const doc = parse(readFileSync(process.argv[1], "utf8")) ?? {};
    const value = process.argv[2].split(".").reduce((o, k) => (o == null ? undefined : o[k]), doc);
    process.stdout.write(value == null ? "" : String(value));
  ' "$DESIRED_STATE" "$1"
}
DESIRED_IMAGE="$(desired_field master.image)"
ADMIN_SECRET="$(desired_field master.admin_token_secret)"
ADMIN_SECRET="${ADMIN_SECRET:-base-admin-token}"
DATABASE_SECRET="$(desired_field master.database_url_secret)"
[[ -n "$DESIRED_IMAGE" ]] || die "${DESIRED_STATE}: master.image is missing"
IMAGE="${IMAGE:-$DESIRED_IMAGE}"

# ---------------------------------------------------------------- step printing / running
STEP=0
# shell_quote ARGS...: one line a shell would read back as these arguments.
shell_quote() {
  local out="" arg
  for arg in "$@"; do out+="${out:+ }$(printf '%q' "$arg")"; done
  printf '%s' "$out"
}
# announce KIND TEXT: "N. KIND  TEXT" (both modes print it, so a dry run and a real run read the same).
announce() { STEP=$((STEP + 1)); printf '%2d. %-6s %s\n' "$STEP" "$1" "$2"; }
skip() { printf '    skip: %s\n' "$*"; }
# run ARGS...: prints the command; runs it with --apply.
run() {
  announce run "$(shell_quote "$@")"
  ((APPLY)) || return 0
  "$@"
}

# ---------------------------------------------------------------- steps
version_ge() { [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" == "$2" ]]; }

# An invalid file would only be noticed by base apply at the end, after the host was changed: check it first.
check_desired_state() {
  announce check "node bin/base.mjs validate $(printf '%q' "$DESIRED_STATE")   (schema and semantic rules)"
  ((APPLY)) || return 0
  node bin/base.mjs validate "$DESIRED_STATE" | sed 's/^/    /' || die "${DESIRED_STATE} is not a valid desired state (see above); nothing was changed"
}

check_docker() {
  announce check "docker version --format '{{.Server.Version}}'   (engine ${MIN_DOCKER_VERSION} or newer)"
  ((APPLY)) || return 0
  local version
  version="$(docker version --format '{{.Server.Version}}' 2>/dev/null)" || die "the Docker engine does not answer (DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}); install docker.io and start it"
  version_ge "${version%%[-+]*}" "$MIN_DOCKER_VERSION" || die "Docker engine ${version} is too old; ${MIN_DOCKER_VERSION} or newer is needed"
  say "    engine ${version}"
}

install_daemon_json() {
  local template="deploy/daemon/manager.json"
  if ((!WRITE_DAEMON_JSON)); then
    announce skip "daemon.json: not touched (add --write-daemon-json to install ${template} as ${DAEMON_JSON_PATH} and restart Docker)"
    return 0
  fi
  announce check "cmp -s ${template} ${DAEMON_JSON_PATH}   (already installed: nothing to do)"
  if ((APPLY)) && cmp -s -- "$template" "$DAEMON_JSON_PATH"; then skip "${DAEMON_JSON_PATH} is already the template"; return 0; fi
  if ((!APPLY)) || [[ -e "$DAEMON_JSON_PATH" ]]; then run cp -p -- "$DAEMON_JSON_PATH" "${DAEMON_JSON_PATH}.before-base"; fi
  if ((APPLY)) && ! command -v systemctl >/dev/null; then
    die "--write-daemon-json restarts Docker with systemctl, which this host lacks: install ${template} as ${DAEMON_JSON_PATH} and restart dockerd yourself, then run again without the flag"
  fi
  run install -D -m 0644 -- "$template" "$DAEMON_JSON_PATH"
  run systemctl restart docker
  announce check "docker version   (wait up to 60s for the engine to answer again)"
  if ((APPLY)); then
    local i
    for ((i = 0; i < 300; i++)); do docker version >/dev/null 2>&1 && return 0; sleep 0.2; done
    die "Docker did not come back within 60s after the restart; see journalctl -u docker (the previous file is ${DAEMON_JSON_PATH}.before-base)"
  fi
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

ensure_swarm() {
  announce check "docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'   (active true: already a manager)"
  local state="inactive false"
  if ((APPLY)); then state="$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')"; fi
  case "$state" in
    "active true") skip "this engine already manages a Swarm" ;;
    "active false") die "this engine is a Swarm worker, not a manager; run this on a manager (or docker swarm leave first)" ;;
    "inactive false")
      if [[ -z "$ADVERTISE_ADDR" ]]; then
        if ((APPLY)); then die "the Swarm is not initialised: give --advertise-addr ADDR (the address workers reach this host on)"; fi
        run docker swarm init --advertise-addr "<ADDR: give --advertise-addr>"
      else
        run docker swarm init --advertise-addr "$ADVERTISE_ADDR"
      fi ;;
    *) die "unexpected Swarm state '${state}' (pending or error): check docker info" ;;
  esac
}

ensure_state_dir() {
  announce check "test -d ${STATE_DIR}   (reconciler state folder; base apply mints tokens and the master signing key there)"
  if ((APPLY)) && [[ -d "$STATE_DIR" ]]; then
    [[ "$(stat -c %a -- "$STATE_DIR")" == 700 ]] || run chmod 0700 -- "$STATE_DIR"
    skip "${STATE_DIR} exists"
    return 0
  fi
  run install -d -m 0700 -- "$STATE_DIR"
}

secret_exists() { docker secret inspect --format '{{.ID}}' "$1" >/dev/null 2>&1; }

# The admin token: an existing secret is kept (rotating it is a runbook step, deploy/README.md). Otherwise the value
# comes from the token file, else $BASE_ADMIN_TOKEN, else is generated; it is kept in the 0600 token file (the
# operator reads it from there) and sent to Docker on stdin.
ensure_admin_token() {
  announce check "docker secret inspect ${ADMIN_SECRET}   (master.admin_token_secret; exists: kept as is)"
  if ((APPLY)) && secret_exists "$ADMIN_SECRET"; then skip "secret ${ADMIN_SECRET} exists"; return 0; fi
  local source
  if ((APPLY)) && [[ -s "$ADMIN_TOKEN_FILE" ]]; then source="existing ${ADMIN_TOKEN_FILE}"
  elif [[ -n "${BASE_ADMIN_TOKEN:-}" ]]; then source="\$BASE_ADMIN_TOKEN"
  else source="<generated>"; fi
  announce write "${ADMIN_TOKEN_FILE} (0600) <- ${source}   (value never printed)"
  if ((APPLY)); then
    install -d -m 0700 -- "$(dirname -- "$ADMIN_TOKEN_FILE")"
    if [[ ! -s "$ADMIN_TOKEN_FILE" ]]; then
      local tmp="${ADMIN_TOKEN_FILE}.tmp.$$"
      (
        umask 077
        if [[ -n "${BASE_ADMIN_TOKEN:-}" ]]; then printf '%s' "$BASE_ADMIN_TOKEN" >"$tmp"
        else head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$tmp"; fi
      )
      mv -f -- "$tmp" "$ADMIN_TOKEN_FILE"
    fi
    chmod 0600 -- "$ADMIN_TOKEN_FILE"
  fi
  announce run "docker secret create --label base.role=admin-token ${ADMIN_SECRET} - < ${ADMIN_TOKEN_FILE}"
  if ((APPLY)); then
    docker secret create --label base.role=admin-token "$ADMIN_SECRET" - <"$ADMIN_TOKEN_FILE" >/dev/null
  fi
}

# The control-plane PostgreSQL URL: an existing secret is kept (rotating it is a runbook step, deploy/README.md).
# Otherwise the value comes from --database-url-file, else $BASE_DATABASE_URL; it reaches Docker on stdin only.
ensure_database_url() {
  if [[ -z "$DATABASE_SECRET" ]]; then
    announce skip "database URL secret: master.database_url_secret is not set (development: the master keeps SQLite in its volume)"
    return 0
  fi
  announce check "docker secret inspect ${DATABASE_SECRET}   (master.database_url_secret; exists: kept as is)"
  if ((APPLY)) && secret_exists "$DATABASE_SECRET"; then skip "secret ${DATABASE_SECRET} exists"; return 0; fi
  local -a create=(docker secret create --label base.role=database-url "$DATABASE_SECRET" -)
  if [[ -n "$DATABASE_URL_FILE" ]]; then
    if ((APPLY)) && [[ ! -s "$DATABASE_URL_FILE" ]]; then die "--database-url-file ${DATABASE_URL_FILE}: missing or empty"; fi
    announce run "$(shell_quote "${create[@]}") < ${DATABASE_URL_FILE}   (value never printed)"
    if ((APPLY)); then "${create[@]}" <"$DATABASE_URL_FILE" >/dev/null; fi
  elif [[ -n "${BASE_DATABASE_URL:-}" ]]; then
    announce run "$(shell_quote "${create[@]}") < \$BASE_DATABASE_URL   (value never printed)"
    if ((APPLY)); then printf '%s' "$BASE_DATABASE_URL" | "${create[@]}" >/dev/null; fi
  else
    if ((APPLY)); then
      die "secret ${DATABASE_SECRET} (master.database_url_secret) does not exist: give the PostgreSQL URL with --database-url-file FILE (0600) or \$BASE_DATABASE_URL"
    fi
    announce run "$(shell_quote "${create[@]}") < <--database-url-file FILE or \$BASE_DATABASE_URL>   (required with --apply while the secret does not exist)"
  fi
}

ensure_image() {
  if [[ "$IMAGE" != "$DESIRED_IMAGE" ]]; then
    printf '    note: %s names master.image %s; the reconciler runs that one, not %s\n' "$DESIRED_STATE" "$DESIRED_IMAGE" "$IMAGE"
  fi
  if ((BUILD)); then
    local tag="${IMAGE%%@*}"
    if ((APPLY)) && [[ ! -f Dockerfile ]]; then die "--build: no Dockerfile in ${REPO_ROOT}"; fi
    local -a args=(docker build --tag "$tag")
    if [[ -n "$BASE_IMAGE" ]]; then args+=(--build-arg "BASE_IMAGE=${BASE_IMAGE}"); fi
    args+=(.)
    # The classic builder needs no pull of a frontend image (offline hosts, the test bed).
    announce run "DOCKER_BUILDKIT=0 $(shell_quote "${args[@]}")   (the build cache makes an unchanged rebuild a no-op)"
    if ((APPLY)); then DOCKER_BUILDKIT=0 "${args[@]}" >/dev/null; fi
    return 0
  fi
  announce check "docker image inspect ${IMAGE}   (present: not pulled again)"
  if ((APPLY)) && docker image inspect --format '{{.Id}}' "$IMAGE" >/dev/null 2>&1; then skip "image present"; return 0; fi
  run docker pull --quiet "$IMAGE"
}

run_apply() {
  local -a args=(node bin/base.mjs apply "$DESIRED_STATE" --auto-approve --state-dir "$STATE_DIR" --rollout-timeout "$ROLLOUT_TIMEOUT")
  local prefix
  for prefix in "${ONLY_PREFIXES[@]}"; do args+=(--only-prefix "$prefix"); done
  run "${args[@]}"
}

if ((APPLY)); then say "install-manager: applying (DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock})"
else say "install-manager: DRY RUN, nothing is changed; these are the steps --apply runs (checks decide which run)"; fi
check_desired_state
check_docker
install_daemon_json
check_no_new_privileges
ensure_swarm
ensure_state_dir
ensure_admin_token
ensure_database_url
ensure_image
run_apply
if ((APPLY)); then
  say "install-manager: done. Workers join with: docker swarm join-token worker (on this host), then deploy/install-worker.sh on the worker"
else
  say "install-manager: dry run complete; re-run with --apply to make these changes"
fi
