#!/bin/sh
# End-to-end check of issue 9's "installing as a dependency": npm pack, install the tarball
# into an empty project with every non-npm download refused (onnxruntime-node's install step
# downloads through global-agent, which honours GLOBAL_AGENT_HTTPS_PROXY: pointed at a proxy
# that refuses and logs), then run `npx saliency demo` there. Needs the npm registry (or a
# warm npm cache) for the dependencies themselves. Usage: sh scripts/check-offline-install.sh
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'kill $proxy 2>/dev/null; rm -rf "$tmp"' EXIT
cat > "$tmp/proxy.mjs" <<'JS'
import http from 'node:http';
import { appendFileSync } from 'node:fs';
const log = process.argv[2];
const server = http.createServer((req, res) => { appendFileSync(log, `${req.url}\n`); res.writeHead(403); res.end(); });
server.on('connect', (req, socket) => { appendFileSync(log, `${req.url}\n`); socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'); });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
JS
: > "$tmp/contacted.log"
node "$tmp/proxy.mjs" "$tmp/contacted.log" > "$tmp/port" &
proxy=$!
sleep 1
port=$(cat "$tmp/port")
(cd "$root" && npm pack --silent --pack-destination "$tmp") > /dev/null
mkdir "$tmp/project"
cd "$tmp/project"
echo '{ "name": "user-project", "version": "1.0.0", "private": true }' > package.json
env -u npm_config_onnxruntime_node_install -u ONNXRUNTIME_NODE_INSTALL \
  GLOBAL_AGENT_HTTPS_PROXY="http://127.0.0.1:$port" GLOBAL_AGENT_HTTP_PROXY="http://127.0.0.1:$port" \
  npm install --no-audit --no-fund "$tmp"/saliency-lab-*.tgz
if [ -s "$tmp/contacted.log" ]; then echo "FAIL: the install tried to download from:"; cat "$tmp/contacted.log"; exit 1; fi
npx saliency demo --only fashion-mnist --out demo-out
test -s demo-out/report.html
# nsfwjs is not installed here: the photo part alone must fail loudly (exit 3), writing nothing
set +e
npx saliency demo --only photos --out photos-out 2> photos.err
code=$?
set -e
if [ "$code" -ne 3 ] || [ -e photos-out ] || ! grep -q 'npm i nsfwjs' photos.err; then echo "FAIL: demo --only photos without nsfwjs exited $code"; cat photos.err; exit 1; fi
echo "OK: installed offline (nothing but the npm registry contacted) and the demo ran"
