#!/usr/bin/env bash
# Unpacks the upstream source tarballs of ../shared/sources/ (runc, containerd, moby and go-runc at
# versions Debian does not ship) into a cache outside the repository and prints the cache's path.
# The shared folder sits beside the clone: /work/shared next to a worktree, <clone>/../shared in CI.
# Each tarball unpacks to one folder named like the file (runc-v1.3.0/…). Idempotent and serialised
# like go-sources.sh: a marker file per tree records a finished unpack.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
SHARED=${RUNTIME_LENS_SHARED:-$(cd "$repo/.." && pwd)/shared}
if [ ! -d "$SHARED/sources" ]; then
  echo "upstream-sources: no $SHARED/sources — the shared folder (read-only tarballs of upstream runc, containerd, moby, go-runc) must sit beside the clone, or set RUNTIME_LENS_SHARED" >&2
  exit 1
fi
CACHE=${RUNTIME_LENS_CACHE:-$HOME/.cache/runtime-lens}
DEST=$CACHE/upstream-sources
mkdir -p "$CACHE" "$DEST"
exec 9>"$CACHE/.provision.lock"
flock 9
command -v xz >/dev/null || "$here/apt.sh" xz-utils >&2
shopt -s nullglob
tarballs=("$SHARED"/sources/*.tar.xz)
if [ ${#tarballs[@]} -eq 0 ]; then
  echo "upstream-sources: $SHARED/sources holds no .tar.xz tarballs" >&2
  exit 1
fi
for t in "${tarballs[@]}"; do
  name=$(basename "$t" .tar.xz)
  [ -f "$DEST/.$name.complete" ] && continue
  rm -rf "${DEST:?}/$name"
  tar xJf "$t" -C "$DEST"
  [ -d "$DEST/$name" ] || { echo "upstream-sources: $t did not unpack to $name/" >&2; exit 1; }
  touch "$DEST/.$name.complete"
done
echo "$DEST"
