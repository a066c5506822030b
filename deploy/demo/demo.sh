#!/usr/bin/env bash
# `make demo`: the whole system on this machine, the way a challenge author and an operator use it.
#   test bed up → challenge-template rendered as two challenges → images built and pushed to the local registry →
#   digests pinned into the demo desired state → master image built → base apply → healthy → miners submit through
#   the proxy → an epoch sealed from the challenges' answers → the URLs to open, and the plan a change would make.
# Idempotent: a second run changes nothing in the Swarm. `demo.sh down` (make demo-down) removes what it made.
#
#   deploy/demo/demo.sh [up]    # default
#   deploy/demo/demo.sh down
#
# State: ${BASE_DEMO_DIR:-/var/lib/base-demo} (rendered challenges, pinned desired state, reconciler state folder
# with the challenge tokens and the master signing key, the admin token). Needs root (Docker, the test bed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEMO_SRC="$ROOT/deploy/demo"
STATE="${BASE_DEMO_DIR:-/var/lib/base-demo}"
BASE=(node "$ROOT/bin/base.mjs")
MASTER_PORT=18080
ORIGIN="http://127.0.0.1:$MASTER_PORT"
SLUGS=(demo-sum demo-quiz)
NETWORK=base-demo-challenges
ADMIN_SECRET=base-demo-admin-token
# Name prefixes of every object the demo's apply may create or change.
SCOPE=(challenge-demo- base-master base-demo-)
DEMO_LABEL=base.demo=true
REPO_PREFIX=base-demo
# Seconds to wait for a sealed vector (a few epochs of the demo's 20 s).
SEAL_TIMEOUT="${BASE_DEMO_SEAL_TIMEOUT:-150}"

export DOCKER_BUILDKIT=0
started_at=$(date +%s)
step() {
  printf '\n\033[1m==> %s\033[0m  (+%ss)\n' "$*" "$(( $(date +%s) - started_at ))"
}
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# JSON field from the test bed's endpoints file (node, not jq: a fresh machine has node).
endpoint() {
  node -e 'const e=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));let v=e;for(const k of process.argv[2].split("."))v=v[k];console.log(v)' \
    "${BASE_TESTBED_DIR:-/var/lib/base-testbed}/endpoints.json" "$1"
}

# GET a URL; prints the body, returns 0 on HTTP 2xx.
http_get() {
  node -e 'fetch(process.argv[1],{signal:AbortSignal.timeout(5000)}).then(async r=>{process.stdout.write(await r.text());process.exit(r.ok?0:1)},()=>process.exit(1))' "$1"
}

# Runs a command with its output in $STATE/logs/<name>.log; on failure shows the end of the log.
logged() {
  local name=$1; shift
  mkdir -p "$STATE/logs"
  if ! "$@" >"$STATE/logs/$name.log" 2>&1; then
    tail -n 30 "$STATE/logs/$name.log" >&2
    die "$name failed: $* (log: $STATE/logs/$name.log)"
  fi
}

# Polls `cmd...` until it succeeds or `timeout` seconds pass.
wait_for() {
  local what=$1 timeout=$2; shift 2
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) > deadline )); then return 1; fi
    sleep 2
  done
  printf '    %s: ok\n' "$what"
}

# ----------------------------------------------------------------------------------------------------------------
up() {
  step "Test bed (Docker, Swarm, registry 127.0.0.1:5000, base image)"
  "$ROOT/deploy/testbed/testbed.sh" up
  local registry base_image
  registry=$(endpoint registry.address)
  base_image=$(endpoint baseImage.ref)
  mkdir -p "$STATE"
  chmod 700 "$STATE"

  step "Challenges from the template: base challenge create, npm run build, docker build, docker push"
  mkdir -p "$STATE/challenges"
  for slug in "${SLUGS[@]}"; do
    local dir="$STATE/challenges/$slug" image="$registry/$REPO_PREFIX/challenge-$slug:0.1.0"
    # Rendered afresh each run from the current template; identical content hits Docker's build cache.
    rm -rf "$dir"
    "${BASE[@]}" challenge create "$slug" --out "$dir" --image "$registry/$REPO_PREFIX/challenge-$slug" >/dev/null
    # A real checkout runs `npm ci`; the same packages are in this repository's node_modules.
    ln -s "$ROOT/node_modules" "$dir/node_modules"
    (cd "$dir" && node scripts/build.mjs >/dev/null)
    # Fixed timestamps keep the COPY layer, and so the digest, the same from run to run.
    touch -d @0 "$dir/dist/server.cjs" "$dir/dist/better_sqlite3.node"
    logged "build-$slug" docker build --build-arg "BASE_IMAGE=$base_image" --label "$DEMO_LABEL" -t "$image" "$dir"
    logged "push-$slug" docker push "$image"
    printf '    %s\n' "$image"
  done

  step "Master image (repository Dockerfile)"
  # No desired state baked in: base apply records the applied one in its state folder, which the master mounts.
  local master="$registry/$REPO_PREFIX/master:dev"
  logged build-master docker build --build-arg "BASE_IMAGE=$base_image" --label "$DEMO_LABEL" -t "$master" "$ROOT"
  logged push-master docker push "$master"
  printf '    %s\n' "$master"

  step "Pin the digests into the demo desired state (base pin)"
  cp "$DEMO_SRC/subnet.yaml" "$STATE/subnet.yaml"
  "${BASE[@]}" pin "$STATE/subnet.yaml"
  "${BASE[@]}" validate "$STATE/subnet.yaml"

  step "Admin token secret ($ADMIN_SECRET)"
  if [ ! -s "$STATE/admin-token" ]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$STATE/admin-token")
  fi
  if ! docker secret inspect "$ADMIN_SECRET" >/dev/null 2>&1; then
    docker secret create --label "$DEMO_LABEL" "$ADMIN_SECRET" "$STATE/admin-token" >/dev/null
    echo "    created"
  else
    echo "    exists"
  fi

  step "base apply"
  # Scoped to the demo's own objects, so that it never touches anything else on this Swarm (tests, other demos).
  # The full plan with every field difference goes to the log; the summary and each step's result are shown.
  mkdir -p "$STATE/logs"
  "${BASE[@]}" apply "$STATE/subnet.yaml" --auto-approve --state-dir "$STATE/reconciler" --only-prefix "${SCOPE[@]}" |
    tee "$STATE/logs/apply.log" | { grep -vE '^      ' || true; }

  step "Wait until the master and both challenges are healthy"
  wait_for "master $ORIGIN/health" 120 http_get "$ORIGIN/health" || die "the master did not answer $ORIGIN/health in 120 s (docker service ps base-master)"
  for slug in "${SLUGS[@]}"; do
    wait_for "challenge $slug through the proxy" 120 http_get "$ORIGIN/challenges/$slug/leaderboard" ||
      die "challenge $slug did not answer through the proxy in 120 s (docker service ps challenge-$slug)"
  done

  step "Miners submit answers through the proxy"
  node "$DEMO_SRC/miners.mjs" "$ORIGIN" "${SLUGS[@]}"

  step "An epoch sealed from the challenges' answers"
  # The master seals epochs itself: the reconciler mounts every active challenge's token into base-master.
  local sealed=""
  if wait_for "a vector that counts the miners' answers" "$SEAL_TIMEOUT" sealed_with_miners; then
    sealed=yes
    http_get "$ORIGIN/v1/weights/latest" | node -e '
      let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);
      const w=v.weights??v.vector?.weights, u=v.uids??v.vector?.uids;
      console.log(`    epoch ${v.epoch}: uids ${JSON.stringify(u)} weights ${JSON.stringify(w)}`)})'
  else
    echo "    NOT SEALED within ${SEAL_TIMEOUT}s: GET $ORIGIN/v1/weights/latest answers:"
    http_get "$ORIGIN/v1/weights/latest" | head -c 600 || true
    echo
  fi

  step "What a change would do (base plan): demo-sum's emission 40 -> 45"
  sed 's/^    emission_percent: 40$/    emission_percent: 45/' "$STATE/subnet.yaml" > "$STATE/subnet.change.yaml"
  # base apply --save-plan only plans (changes nothing), within the demo's scope.
  "${BASE[@]}" apply "$STATE/subnet.change.yaml" --state-dir "$STATE/reconciler" --only-prefix "${SCOPE[@]}" \
    --save-plan "$STATE/change.plan.json" | grep -v '^Plan saved to'
  echo "    (base plan $STATE/subnet.change.yaml shows the same, for the whole Swarm)"
  pr_comment "$STATE/subnet.yaml" "$STATE/subnet.change.yaml"

  step "Open"
  cat <<EOT
    $ORIGIN/   the status page: open it in a browser
    $ORIGIN/v1/challenges/dashboard.svg
    $ORIGIN/v1/registry
    $ORIGIN/v1/weights/latest
    $ORIGIN/health
$(for slug in "${SLUGS[@]}"; do printf '    %s/challenges/%s/leaderboard\n' "$ORIGIN" "$slug"; done)
    Admin routes: header "Authorization: Bearer \$(cat $STATE/admin-token)"
    Desired state applied: $STATE/subnet.yaml   Remove everything: make demo-down
EOT
  printf '\ndemo: done in %ss\n' "$(( $(date +%s) - started_at ))"
  [ -n "$sealed" ] || die "the weights vector was not sealed (see above)"
}

# The comment the pull-request workflow would post for the change: base plan --against the applied file (in a
# scratch Git repository under the state folder), with the emission impact replayed from this master's sealed epochs.
pr_comment() {
  local repo="$STATE/pr-comment"
  rm -rf "$repo" && mkdir -p "$repo/desired-state"
  cp "$1" "$repo/desired-state/subnet.yaml"
  git -C "$repo" init -q -b main
  git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid add desired-state
  git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid commit -q -m applied
  cp "$2" "$repo/desired-state/subnet.yaml"
  echo "    The pull-request comment for it (base plan --against HEAD --markdown --emission-impact $ORIGIN):"
  "${BASE[@]}" plan "$repo/desired-state/subnet.yaml" --against HEAD --markdown --emission-impact "$ORIGIN" --emission-epochs 4 \
    | sed -n '/^### Emission impact/,$p' | sed 's/^/    | /'
}

# The latest vector gives every miner a share: each scored above 0 in demo-sum, so a vector collected after all their
# answers has uids 1, 2 and 3 (an epoch collected while they were still answering may count only some of them).
sealed_with_miners() {
  http_get "$ORIGIN/v1/weights/latest" | node -e '
    let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);
    const u=v.uids??v.vector?.uids??[];process.exit([1,2,3].every((x)=>u.includes(x))?0:1)})'
}

# ----------------------------------------------------------------------------------------------------------------
down() {
  step "Services"
  local services=()
  for slug in "${SLUGS[@]}"; do services+=("challenge-$slug"); done
  local master_image
  master_image=$(docker service inspect base-master --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}' 2>/dev/null || true)
  # base-master is the demo's only when it runs the demo's image.
  if [[ "$master_image" == */$REPO_PREFIX/master:* ]]; then services+=(base-master); fi
  for service in "${services[@]}"; do
    if [ "$(docker service inspect "$service" --format '{{index .Spec.Labels "base.managed-by"}}' 2>/dev/null)" = base ]; then
      docker service rm "$service" >/dev/null && echo "    removed $service"
    fi
  done
  # Tasks must be gone before their network, secrets and volumes can be removed.
  local deadline=$(( $(date +%s) + 90 )) service
  for service in "${services[@]}"; do
    while [ -n "$(docker ps -aq --filter "label=com.docker.swarm.service.name=$service")" ] && (( $(date +%s) < deadline )); do
      sleep 1
    done
  done

  step "Secrets, network, volumes"
  # The master's data volume (its SQLite store), when the master was the demo's.
  if [[ " ${services[*]} " == *" base-master "* ]] && docker volume inspect base-master-data >/dev/null 2>&1; then
    until docker volume rm base-master-data >/dev/null 2>&1 || (( $(date +%s) > deadline )); do sleep 1; done
    docker volume inspect base-master-data >/dev/null 2>&1 || echo "    removed volume base-master-data"
  fi
  for slug in "${SLUGS[@]}"; do
    docker secret ls -q --filter "label=base.challenge.slug=$slug" --filter label=base.managed-by=base | xargs -r docker secret rm >/dev/null || true
    if docker volume inspect "challenge-$slug-data" >/dev/null 2>&1; then
      until docker volume rm "challenge-$slug-data" >/dev/null 2>&1 || (( $(date +%s) > deadline )); do sleep 1; done
      docker volume inspect "challenge-$slug-data" >/dev/null 2>&1 || echo "    removed volume challenge-$slug-data"
    fi
  done
  local signing_secret=""
  if [ -d "$STATE/reconciler" ]; then
    signing_secret=$(cd "$ROOT" && node --import tsx -e '
      import("./reconciler/state/index.ts").then(async ({ openStateDir }) => {
        const name = await openStateDir(process.argv[1]).masterSigningKeySecretName(); if (name) console.log(name); })' "$STATE/reconciler" 2>/dev/null || true)
  fi
  if [ -n "$signing_secret" ] && docker secret rm "$signing_secret" >/dev/null 2>&1; then echo "    removed secret $signing_secret"; fi
  if [ "$(docker secret inspect "$ADMIN_SECRET" --format '{{index .Spec.Labels "base.demo"}}' 2>/dev/null)" = true ]; then
    docker secret rm "$ADMIN_SECRET" >/dev/null && echo "    removed secret $ADMIN_SECRET"
  fi
  if [ "$(docker network inspect "$NETWORK" --format '{{index .Labels "base.managed-by"}}' 2>/dev/null)" = base ]; then
    docker network rm "$NETWORK" >/dev/null && echo "    removed network $NETWORK"
  fi

  step "Images"
  local registry
  registry=$(endpoint registry.address 2>/dev/null || echo 127.0.0.1:5000)
  # Twice: an image another one was built FROM (master-base) can only go once its child is gone.
  local pass repo tag id
  for pass in 1 2; do
    docker images --filter "label=$DEMO_LABEL" --format '{{.Repository}} {{.Tag}} {{.ID}}' | while read -r repo tag id; do
      [[ "$repo" == "$registry/$REPO_PREFIX/"* ]] || continue
      if [ "$tag" = "<none>" ]; then docker rmi "$id" >/dev/null 2>&1 || true; else docker rmi "$repo:$tag" >/dev/null 2>&1 || true; fi
    done
  done
  : "$pass"
  echo "    removed the $registry/$REPO_PREFIX/* images (the registry keeps its blobs)"

  step "State folder $STATE"
  rm -rf "$STATE"
  echo "    removed (the test bed stays up: make testbed-down removes it)"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) die "usage: $0 [up|down]" ;;
esac
