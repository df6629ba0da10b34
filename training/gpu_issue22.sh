#!/bin/bash
# Issue 22's two calls on a lent GPU (2026-12-04; the shipped model is s20b): first five age-model runs side by side
# (Keras on JAX), every collection, face-api.js's ages as soft labels, each stopped by a deadline: the width-0.75
# network continued from its CPU fine-tune, and wider networks (1.0, 1.5, 2.0) trained from nothing; then, with
# STAGE=restart on the same machine, four of them continued (a warm restart that finishes the cosine schedule the
# deadline cut). Run from the repository root, with .gpu/ laid out as:
#   .gpu/whl/*.whl           keras 3.15.1, namex 0.1.0, optree 0.20.0 (cp312 wheels; the GPU image has JAX, no Keras)
#   .gpu/crops-all.npz       python -m training.pack .gpu/crops-all.npz   (train and val of every collection)
#   .gpu/soft-faceapi.json   python -m training.faceapi_teacher ... --soft-labels (cpu_finetune.sh step 2)
#   .gpu/init075.keras       the CPU fine-tune's float model (cpu_finetune.sh's WORK/run/model.keras)
# Results: $OUT/runs.tgz, or $OUT/restarts.tgz with STAGE=restart (each run's model.keras, run.json, history.json,
# train.log); finish each here with
#   python -m training.train --finish-only --work DIR/RUN --out DIR/RUN/models [--init DIR/FIRST/model.keras]
# (a restart finished with --init keeps its first stage's record and learning curves in the sidecar and card).
# Measured: stage one 8.5 minutes of wall time, restarts 3.6 (docs/benchmarks.md); on the 2 CPU cores see there.
# EPOCHS, DEADLINE (minutes), LIMIT (faces, 0 all), WORKERS, BATCH, BACKEND, NO_WHEELS may be overridden (the CPU
# smoke test before the call: NO_WHEELS=1 BACKEND=tensorflow EPOCHS=1 DEADLINE=0.2 LIMIT=600 WORKERS=1 BATCH=64,
# then STAGE=restart with RESTART_EPOCHS=1 as well).
set -u
REPO=$PWD
G=$REPO/.gpu
OUT=${OUT:-/tmp/i22-out}; W=${WORK:-/tmp/i22-work}
mkdir -p "$OUT" "$W"
if [ -z "${NO_WHEELS:-}" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$G"/whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$REPO
else
  export PYTHONPATH=$REPO
fi
export KERAS_BACKEND=${BACKEND:-jax} XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1
EPOCHS=${EPOCHS:-70}; DEADLINE=${DEADLINE:-7.6}; LIMIT=${LIMIT:-0}; WORKERS=${WORKERS:-3}; BATCH=${BATCH:-128}
PY=${PY:-python3}
nvidia-smi -L 2>/dev/null; nproc
"$PY" -c "import keras; print('keras', keras.__version__, keras.backend.backend())" || exit 1
start=$(date +%s)
run() {
  name=$1; shift
  mkdir -p "$W/$name"
  "$PY" -m training.train --crops "$G/crops-all.npz" --ema 0.998 --work "$W/$name" --epochs "$EPOCHS" \
     --batch "$BATCH" --deadline-minutes "$DEADLINE" --limit "$LIMIT" --workers "$WORKERS" \
     --soft-labels "$G/soft-faceapi.json" --soft-weight 0.5 "$@" >"$W/$name/train.log" 2>&1
  echo "$name: exit $? after $(( $(date +%s) - start )) s"
}
if [ "${STAGE:-first}" = restart ]; then
  # The first stage's models are still in $W on the same (warm) machine; 26 planned epochs, 2.9 minutes.
  EPOCHS=${RESTART_EPOCHS:-26}; DEADLINE=${RESTART_DEADLINE:-2.9}
  for n in s20 s15 f075 s10; do
    [ -f "$W/$n/model.keras" ] || { echo "gpu_issue22: $W/$n/model.keras is missing: run the first stage" >&2; exit 1; }
  done
  for n in s20 s15 f075 s10; do run "${n}b" --init "$W/$n/model.keras" --lr 4e-4 & done
  wait
  for n in s20b s15b f075b s10b; do echo "== $n"; tr '\r' '\n' <"$W/$n/train.log" | grep -v '^\s*$' | tail -n 3; done
  tar czf "$OUT/restarts.tgz" -C "$W" s20b s15b f075b s10b
  exit 0
fi
run f075 --width 0.75 --init "$G/init075.keras" --lr 1e-3 &
run s10 --width 1.0 &
run s15 --width 1.5 &
run s20 --width 2.0 &
run c15 --width 1.5 --augment cameras &
wait
for n in f075 s10 s15 s20 c15; do echo "== $n"; tr '\r' '\n' <"$W/$n/train.log" | grep -v '^\s*$' | tail -n 3; done
tar czf "$OUT/runs.tgz" -C "$W" .
ls -la "$OUT"
