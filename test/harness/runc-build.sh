#!/usr/bin/env bash
# Builds runc v1.0.0-rc6 — a release from before the atomic state.json write (runc PR #2467, rc91) —
# from the shared source tarball with Debian's Go in GOPATH mode and runc's own vendor/ (../shared/lab.md),
# caches the binary outside the repo and prints its path. No network beyond Debian's archive (for
# golang-go and libseccomp-dev). Idempotent and serialised: the binary is built once, others wait and reuse.
#
# The tarball: $RUNTIME_LENS_SHARED/sources (default: the shared folder beside the repository, which
# CI provides as a read-only copy at <repo>/../shared).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
CACHE=${RUNTIME_LENS_CACHE:-$HOME/.cache/runtime-lens}
SHARED=${RUNTIME_LENS_SHARED:-$repo/../shared}
VERSION=v1.0.0-rc6
DEST=$CACHE/runc-$VERSION
TARBALL=$SHARED/sources/runc-$VERSION.tar.xz
mkdir -p "$CACHE"
exec 9>"$CACHE/.runc-build.lock"
flock 9
if [ -x "$DEST/runc" ] && [ -f "$DEST/.complete" ]; then
  echo "$DEST/runc"; exit 0
fi
[ -f "$TARBALL" ] || { echo "runc-build: $TARBALL not found (set RUNTIME_LENS_SHARED to the folder holding sources/)" >&2; exit 1; }
"$here/apt.sh" golang-go libseccomp-dev xz-utils gcc libc6-dev pkg-config >&2
rm -rf "$DEST"
G=$(mktemp -d "$CACHE/.runc-build.XXXXXX")
trap 'rm -rf "$G"' EXIT
mkdir -p "$G/src/github.com/opencontainers"
tar xf "$TARBALL" -C "$G/src/github.com/opencontainers"
mv "$G/src/github.com/opencontainers/runc-$VERSION" "$G/src/github.com/opencontainers/runc"
# The Makefile's default build tags ("seccomp") against Debian 12's libseccomp-dev; no -X main.version,
# as in lab.md: `runc --version` of this build prints only the spec line, like many vendor builds.
(cd "$G/src/github.com/opencontainers/runc" \
  && GOPATH="$G" GO111MODULE=off GOFLAGS= GOCACHE="$G/cache" CGO_ENABLED=1 \
     go build -tags seccomp -o "$G/runc" . ) >&2
mkdir -p "$DEST"
mv "$G/runc" "$DEST/runc"
touch "$DEST/.complete"
echo "$DEST/runc"
