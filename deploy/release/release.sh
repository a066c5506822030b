#!/usr/bin/env bash
# `make release`: the release artifacts of this checkout's version (package.json, SemVer).
#   1. dist/base-submitter.mjs + .sha256: the single-file submitter (Node.js 20 and nothing else).
#   2. The master image built from the repository Dockerfile and pushed as <repository>:<version>, and as
#      <repository>:latest when this version is the newest release (no pre-release, no older patch ever moves it).
#   3. dist/release.json: version, commit, each image's tag@digest reference, the bundle's sha256 and size.
#
# Environment:
#   RELEASE_REPOSITORY   image repository, e.g. ghcr.io/base-subnet/base-master. Default: the local test bed's
#                        registry (127.0.0.1:5000/base/base-master), so `make release` works on a fresh machine.
#   BASE_IMAGE           the Dockerfile's base. Default: node:20-bookworm-slim with RELEASE_REPOSITORY set, the test
#                        bed's Node.js image otherwise (no image can be pulled here).
#   RELEASE_LATEST       auto (default) | yes | no: whether to move the `latest` tag.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export DOCKER_BUILDKIT=0
die() { printf 'release: %s\n' "$*" >&2; exit 1; }

version=$(node -p 'require("./package.json").version')
semver='^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$'
[[ "$version" =~ $semver ]] || die "package.json version \"$version\" is not SemVer (MAJOR.MINOR.PATCH[-pre][+build])"
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)

if [[ -z "${RELEASE_REPOSITORY:-}" ]]; then
  "$ROOT/deploy/testbed/testbed.sh" up >&2
  endpoints="${BASE_TESTBED_DIR:-/var/lib/base-testbed}/endpoints.json"
  field() { node -e 'let v=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));for(const k of process.argv[2].split("."))v=v[k];console.log(v)' "$endpoints" "$1"; }
  RELEASE_REPOSITORY="$(field registry.address)/base/base-master"
  BASE_IMAGE="${BASE_IMAGE:-$(field baseImage.ref)}"
fi
BASE_IMAGE="${BASE_IMAGE:-node:20-bookworm-slim}"

# latest follows the newest release: the highest vX.Y.Z tag (pre-releases excluded), or this version when untagged.
newest_release() {
  { git tag --list 'v*' 2>/dev/null | sed 's/^v//' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' || true; [[ "$version" == *-* ]] || echo "$version"; } \
    | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1
}
case "${RELEASE_LATEST:-auto}" in
  yes) latest=yes ;;
  no) latest=no ;;
  auto) [[ "$(newest_release)" == "$version" ]] && latest=yes || latest=no ;;
  *) die "RELEASE_LATEST must be auto, yes or no" ;;
esac

mkdir -p dist
bundle=$(node deploy/release/build-submitter.mjs)
printf '%s\n' "$bundle" >&2

# The digest the registry reports for a pushed tag (docker push prints it as "digest: sha256:…").
push() {
  local ref=$1 out
  out=$(docker push "$ref" 2>&1) || { printf '%s\n' "$out" >&2; die "docker push $ref failed"; }
  grep -Eo 'digest: sha256:[0-9a-f]{64}' <<<"$out" | tail -n 1 | cut -d' ' -f2
}

image="$RELEASE_REPOSITORY:$version"
docker build --quiet --build-arg "BASE_IMAGE=$BASE_IMAGE" --label "org.opencontainers.image.version=$version" \
  --label "org.opencontainers.image.revision=$commit" -t "$image" . >&2
digest=$(push "$image")
[[ -n "$digest" ]] || die "no digest reported for $image"
if [[ "$latest" == yes ]]; then
  docker tag "$image" "$RELEASE_REPOSITORY:latest"
  latest_digest=$(push "$RELEASE_REPOSITORY:latest")
  [[ "$latest_digest" == "$digest" ]] || die "latest ($latest_digest) and $version ($digest) differ"
fi

node -e '
const [version, commit, image, digest, latest, bundle] = process.argv.slice(1);
const b = JSON.parse(bundle);
const record = {
  version, commit, latest: latest === "yes",
  images: { master: { reference: `${image}@${digest}`, digest } },
  submitter: { file: b.file, sha256: b.sha256, bytes: b.bytes },
};
require("fs").writeFileSync("dist/release.json", JSON.stringify(record, null, 2) + "\n");
console.log(JSON.stringify(record));
' "$version" "$commit" "$image" "$digest" "$latest" "$bundle"
