#!/bin/sh
# One container per rank, end to end, without any image registry:
#   1. a local base image: this machine's node, npm, their shared libraries and the repository's
#      installed node_modules (docker import), npm set offline;
#   2. the CPU image built FROM it with the legacy builder (docker/Dockerfile.cpu);
#   3. `dtrain compose --nodes N` and a plain `docker compose up` (or docker-compose), running
#      the runtime's self-checking worker; `up` returns when every rank has exited (no
#      --abort-on-container-exit: it would stop the others when the first rank exits 0);
#   4. every rank must exit 0 with a result whose checksums agree across ranks;
#   5. containers, network and (unless KEEP_IMAGES=1) both images are removed.
# Needs a running Docker engine, node, and the repository installed (npm ci) on this machine.
# Usage: docker/test-cluster.sh [NODES]        Exit 0 on success; 1 on a failed check.
#   WORKLOAD=logistic-regression  train examples/logistic-regression instead (checks exit codes,
#                                 summary.json and each rank's rank-<i>.ndjson on the host);
#                                 TEST_TAG names the compose project and images.
set -eu

NODES=${1:-4}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DOCKER=${DOCKER:-docker}
TAG=${TEST_TAG:-dtraintest$$}
WORKLOAD=${WORKLOAD:-check}
BASE_IMAGE="dtrain-base:$TAG"
IMAGE="dtrain:cpu-$TAG"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dtrain-compose-XXXXXX")
NODE_BIN=$(command -v node)
NPM_DIR=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)

if $DOCKER compose version >/dev/null 2>&1; then COMPOSE="$DOCKER compose"
elif command -v docker-compose >/dev/null 2>&1; then COMPOSE=docker-compose
else echo "test-cluster: neither 'docker compose' nor docker-compose is installed" >&2; exit 1; fi
COMPOSE="$COMPOSE -p $TAG -f $WORK/docker-compose.yml"

log() { echo "test-cluster: $*" >&2; }

cleanup() {
  status=$?
  if [ -f "$WORK/docker-compose.yml" ]; then $COMPOSE down --volumes --remove-orphans --timeout 2 >/dev/null 2>&1 || true; fi
  if [ "${KEEP_IMAGES:-0}" != 1 ]; then
    # Every layer built on the base carries its label, so a failed build's layers go too.
    $DOCKER rmi -f "$IMAGE" "$BASE_IMAGE" $($DOCKER images -q --filter "label=dtrain-test=$TAG") >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. base image: node + npm + libraries + the npm cache, nothing else -------------------
log "building base image $BASE_IMAGE from $NODE_BIN and $NPM_DIR"
ROOTFS="$WORK/rootfs"
mkdir -p "$ROOTFS/tmp" "$ROOTFS/root" "$ROOTFS/etc" "$ROOTFS/usr/bin" "$ROOTFS/bin" "$ROOTFS/usr/lib/node_modules"
chmod 1777 "$ROOTFS/tmp"
copy() { mkdir -p "$ROOTFS$(dirname "$1")" && cp -L "$1" "$ROOTFS$1"; }
# Binaries (env: npm's shebang), then every library they (and the native addons in node_modules) load.
for bin in "$NODE_BIN" /bin/sh /usr/bin/env; do copy "$bin"; done
find "$ROOT/node_modules" -name '*.node' -type f > "$WORK/addons"
for f in "$NODE_BIN" "$(readlink -f /bin/sh)" /usr/bin/env $(cat "$WORK/addons"); do
  ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^[ \t]*\/lib/{print $1}'
done | sort -u | while read -r lib; do copy "$lib"; done
[ "$NODE_BIN" = /usr/bin/node ] || cp -L "$NODE_BIN" "$ROOTFS/usr/bin/node"
cp -a "$NPM_DIR" "$ROOTFS/usr/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/bin/npx"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' > "$ROOTFS/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$ROOTFS/etc/group"
# The dependencies as installed here (the image is built with DEPS=base: no registry needed).
mkdir -p "$ROOTFS/app"
cp -a "$ROOT/node_modules" "$ROOTFS/app/node_modules"
# The CPU image runs on wasm: leave out the native backends (tfjs-node's libtensorflow is ~800 MB).
rm -rf "$ROOTFS/app/node_modules/@tensorflow/tfjs-node-gpu" "$ROOTFS/app/node_modules/@tensorflow/tfjs-node"
tar -C "$ROOTFS" -cf - . | $DOCKER import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change "LABEL dtrain-test=$TAG" \
  --change 'ENV npm_config_offline=true' \
  --change 'ENV npm_config_update_notifier=false' \
  --change 'ENV npm_config_fund=false' \
  --change 'ENV npm_config_audit=false' \
  - "$BASE_IMAGE" >/dev/null
rm -rf "$ROOTFS"

# --- 2. the CPU image, legacy builder (BuildKit needs buildx) ------------------------------
log "building $IMAGE from docker/Dockerfile.cpu"
DOCKER_BUILDKIT=0 $DOCKER build -q --force-rm -f "$ROOT/docker/Dockerfile.cpu" --build-arg "BASE=$BASE_IMAGE" --build-arg DEPS=base -t "$IMAGE" "$ROOT" >/dev/null

# --- 3. compose file and the job ----------------------------------------------------------
PARAMS='{"lengths":[1,1000,100000],"iterations":6,"seed":5,"timeoutMs":60000}'
cd "$WORK"
if [ "$WORKLOAD" = check ]; then set -- packages/runtime/dist/bin/check-worker.js -- "$PARAMS"
else set -- --example "$WORKLOAD"; fi
node "$ROOT/packages/launcher/bin/dtrain.js" compose --nodes "$NODES" --image "$IMAGE" --job-id "$TAG" \
  --timeout 60 -o docker-compose.yml "$@"
log "starting $NODES containers"
# A rank that fails makes its peers fail within --timeout (60 s), so up ends by itself.
timeout 300 $COMPOSE up --no-color > "$WORK/up.log" 2>&1 || log "compose up returned $? (checking every rank below)"

# --- 4. every rank exited 0 and printed a result; checksums agree -------------------------
fail=0
: > "$WORK/results"
rank=0
while [ "$rank" -lt "$NODES" ]; do
  id=$($COMPOSE ps -a -q "rank-$rank")   # -a: v2 lists exited containers only with it
  code=$($DOCKER inspect -f '{{.State.ExitCode}}' "$id")
  if [ "$WORKLOAD" = check ]; then result=$($DOCKER logs "$id" 2>/dev/null | grep '"type":"result"' || true)
  else result=finished; fi
  if [ "$code" != 0 ] || [ -z "$result" ]; then
    log "rank $rank: exit code $code, result: ${result:-none}"
    $DOCKER logs --tail 20 "$id" >&2 || true
    fail=1
  fi
  echo "$result" >> "$WORK/results"
  rank=$((rank + 1))
done
if [ "$WORKLOAD" != check ]; then
  [ -s "$WORK/runs/$TAG/summary.json" ] || { log "no runs/$TAG/summary.json written"; fail=1; }
  # Each rank wrote its own records into the mounted directory (DTRAIN_LOG_RECORDS).
  rank=0
  while [ "$rank" -lt "$NODES" ]; do
    grep -q '"kind":"step"' "$WORK/runs/$TAG/rank-$rank.ndjson" 2>/dev/null || { log "no step records in runs/$TAG/rank-$rank.ndjson"; fail=1; }
    rank=$((rank + 1))
  done
else node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean);
  const rs = lines.map((l) => JSON.parse(l));
  const n = Number(process.argv[2]);
  const ranks = rs.map((r) => r.rank).sort((a, b) => a - b).join(",");
  const want = Array.from({ length: n }, (_, i) => i).join(",");
  const same = rs.every((r) => JSON.stringify(r.checksums) === JSON.stringify(rs[0].checksums));
  const exact = rs.every((r) => r.allreduceError.every((e) => e < 1e-4) && r.exchangeError < 1e-5);
  if (ranks !== want || !same || !exact) { console.error(`test-cluster: ranks [${ranks}] (want [${want}]), checksums agree: ${same}, errors small: ${exact}`); process.exit(1); }
' "$WORK/results" "$NODES" || fail=1
fi
if [ "$WORKLOAD" = check ]; then what='results agree'; else what='summary.json and every rank-<i>.ndjson written'; fi
if [ "$fail" = 0 ]; then echo "test-cluster: ok: $NODES ranks finished in containers, $what"; else cat "$WORK/up.log" >&2; fi
exit $fail
