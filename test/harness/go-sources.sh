#!/usr/bin/env bash
# Fetches the real Go sources of kubernetes, moby (docker), containerd, runc and go-runc as Debian
# ships them (see ../shared/environment.md) into a cache outside the repo and prints its path.
# Two layouts come out of it, both used by the integration tests:
#   $DEST/checkouts/  kubernetes-1.20.2/ moby-20.10.24/engine/ containerd-1.6.20/ runc-1.1.5/ side by side
#   /usr/share/gocode/src  the GOPATH-style tree of the binary -dev packages (incomplete on purpose)
# Idempotent: a marker file records a finished fetch.
set -euo pipefail
CACHE=${RUNTIME_LENS_CACHE:-$HOME/.cache/runtime-lens}
DEST=$CACHE/go-sources
# Tests, the demo and CI may provision at the same time: one at a time, the others wait and reuse.
mkdir -p "$CACHE"
exec 9>"$CACHE/.provision.lock"
flock 9
if [ -f "$DEST/.complete" ] && [ -d /usr/share/gocode/src/github.com/containerd/go-runc ]; then
  echo "$DEST"; exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    > /etc/apt/sources.list.d/runtime-lens-debsrc.sources
  apt-get update -qq
fi
"$here/apt.sh" dpkg-dev xz-utils golang-github-containerd-go-runc-dev golang-github-docker-docker-dev \
  golang-github-containerd-containerd-dev golang-github-opencontainers-runc-dev >&2
mkdir -p "$DEST/dl" "$DEST/checkouts"
cd "$DEST/dl"
ls kubernetes_*.orig*.tar.* docker.io_*.orig*.tar.* containerd_*.orig*.tar.* runc_*.orig*.tar.* >/dev/null 2>&1 \
  || apt-get source --download-only kubernetes docker.io containerd runc >&2
cd "$DEST/checkouts"
for t in "$DEST"/dl/*.orig*.tar.*; do tar xf "$t"; done
touch "$DEST/.complete"
echo "$DEST"
