#!/usr/bin/env bash
# Regenerates the figures of docs/benchmarks.md "Compression and DiLoCo": MNIST (the example's
# MLP 784-128-10, batch 32, momentum 0.9, lr 0.05), n = 8 local processes, one epoch, seed 0.
#   scripts/bench-compress.sh                    both parts (about 12 minutes on 2 cores)
#   PARTS=diloco scripts/bench-compress.sh       one part
# Variables: OUT (default runs/bench-compress), NODES (8), BACKEND (tensorflow), EPOCHS (1), H (16).
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
OUT=${OUT:-$ROOT/runs/bench-compress}
NODES=${NODES:-8}
BACKEND=${BACKEND:-tensorflow}
H=${H:-16}
PARTS=${PARTS:-compress diloco}
export EPOCHS=${EPOCHS:-1}
DTRAIN=(node "$ROOT/packages/launcher/bin/dtrain.js")
mkdir -p "$OUT"

# Compression: fp32 against fp16 / int8 on psgd (error feedback) and dsgd (CHOCO-Gossip).
case " $PARTS " in *" compress "*)
  flock /tmp/dtrain-bench.lock "${DTRAIN[@]}" compare --nodes "$NODES" --example mnist --backend "$BACKEND" --epochs "$EPOCHS" \
    --configs psgd,psgd+int8,dsgd:onepeer-exp,dsgd:onepeer-exp+fp16,dsgd:onepeer-exp+int8,dsgd:onepeer-exp+overlap+int8 \
    --out "$OUT/compress" ;;
esac

# DiLoCo: local-sgd with H = 16, its plain average against outer Nesterov (0.7, 0.9), and the
# gossip form; psgd at equal steps is the compress part's.
case " $PARTS " in *" diloco "*)
  run() { flock /tmp/dtrain-bench.lock "${DTRAIN[@]}" launch --nodes "$NODES" --example mnist --backend "$BACKEND" --global-avg-period "$H" "$@"; }
  run --algorithm local-sgd --out "$OUT/diloco/local-sgd-H$H"
  run --algorithm local-sgd --outer-optimizer nesterov --out "$OUT/diloco/local-sgd-H$H-nesterov"
  run --algorithm diloco-gossip --topology onepeer-exp --outer-optimizer nesterov --out "$OUT/diloco/diloco-gossip-H$H-nesterov"
  run --algorithm diloco-gossip --topology onepeer-exp --outer-optimizer sgd --outer-lr 1 --out "$OUT/diloco/diloco-gossip-H$H-average"
  for d in "$OUT"/diloco/*/; do
    node -e 'const s=require(process.argv[1]); console.log(`${process.argv[2]}: steps ${s.steps}, final accuracy ${(100*s.finalAccuracy).toFixed(2)}%, mean step ${(1000*s.meanStepSeconds).toFixed(1)} ms, bytes/rank ${s.ranks[0].bytesSent}`)' "$d/summary.json" "$(basename "$d")"
  done ;;
esac
