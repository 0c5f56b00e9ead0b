#!/bin/sh
# Downloads one model-manager release binary, checks it against the release's SHA256SUMS and
# installs it as $2 (default /model-manager). Used by the Dockerfiles' fetch stage; runs anywhere
# with sh, curl and sha256sum.
#
#   fetch-release.sh <artifact> [destination]
#
# MODEL_MANAGER_REPO       owner/name of the GitHub repository whose releases hold the binaries
# MODEL_MANAGER_VERSION    release version, without the "v" (e.g. 0.1.0)
# MODEL_MANAGER_RELEASE_BASE  optional: another place serving <artifact> and SHA256SUMS (a mirror)
# SHA256SUMS_SHA256        optional: the sha256 of SHA256SUMS itself, to pin the release
set -eu
artifact="${1:?usage: fetch-release.sh <artifact> [destination]}"
destination="${2:-/model-manager}"
case "$destination" in /*) ;; *) destination="$PWD/$destination" ;; esac
if [ -z "${MODEL_MANAGER_RELEASE_BASE:-}" ]; then
  case "${MODEL_MANAGER_REPO:-}" in
    "" | your-org/*)
      echo "error: MODEL_MANAGER_REPO is \"${MODEL_MANAGER_REPO:-}\", a placeholder: pass --build-arg MODEL_MANAGER_REPO=<owner>/<repo> (the GitHub repository that publishes model-manager releases), or build from a local binary with Dockerfile.local" >&2
      exit 1 ;;
  esac
  MODEL_MANAGER_RELEASE_BASE="https://github.com/$MODEL_MANAGER_REPO/releases/download/v${MODEL_MANAGER_VERSION:?MODEL_MANAGER_VERSION is not set}"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
curl -fsSL -o SHA256SUMS "$MODEL_MANAGER_RELEASE_BASE/SHA256SUMS" -o "$artifact" "$MODEL_MANAGER_RELEASE_BASE/$artifact"
if [ -n "${SHA256SUMS_SHA256:-}" ]; then echo "$SHA256SUMS_SHA256  SHA256SUMS" | sha256sum -c -; fi
grep "  $artifact\$" SHA256SUMS | sha256sum -c -
install -m 0755 "$artifact" "$destination"
