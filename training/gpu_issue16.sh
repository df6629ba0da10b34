#!/bin/bash
# The issue-16 call on a lent GPU: four age-model runs side by side (Keras on JAX), each stopped by a deadline;
# run b075 is the shipped model (models/report/ablation.md). It runs from a folder laid out as the call carried it:
#   code/{device,training}   this checkout's packages
#   whl/*.whl                keras 3.15.1, namex, optree (cp312 wheels; the GPU image has JAX but no Keras)
#   crops-aligned.npz        python -m training.pack crops-aligned.npz --quality 90 --align
#   crops-box.npz            python -m training.pack crops-box.npz --quality 90
#   part1-names.txt          ls ../shared/datasets/utkface-crop-part1 (run p075 trains on those faces only)
#   run.sh                   this file
# Results: $OUT/runs.tgz (each run's model.keras, run.json, history.json, train.log); finish each here with
#   python -m training.train --finish-only --work DIR/RUN --out DIR/RUN/models [--align, but not for b075]
# EPOCHS, PART1_EPOCHS, DEADLINE (minutes), LIMIT (faces, 0 all), WORKERS, BACKEND, PY, NO_WHEELS may be overridden
# (the CPU smoke test before the call: NO_WHEELS=1 BACKEND=tensorflow EPOCHS=2 DEADLINE=0.3 LIMIT=400 WORKERS=1).
set -u
cd "$(dirname "$0")"
HERE=$PWD
OUT=${OUT:-/tmp/i16-out}; W=${WORK:-/tmp/i16-work}
mkdir -p "$OUT" "$W"
if [ -z "${NO_WHEELS:-}" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$HERE/code
else
  export PYTHONPATH=$HERE/code
fi
export KERAS_BACKEND=${BACKEND:-jax} XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1
EPOCHS=${EPOCHS:-80}; PART1_EPOCHS=${PART1_EPOCHS:-170}; DEADLINE=${DEADLINE:-7.3}; LIMIT=${LIMIT:-0}; WORKERS=${WORKERS:-4}
PY=${PY:-python3}
nvidia-smi -L 2>/dev/null; nproc
"$PY" -c "import keras; print('keras', keras.__version__, keras.backend.backend())" || exit 1
start=$(date +%s)
run() {
  name=$1; crops=$2; shift 2
  mkdir -p "$W/$name"
  epochs=$EPOCHS; [ "$name" = p075 ] && epochs=$PART1_EPOCHS
  (cd "$HERE/code" && "$PY" -m training.train --crops "$HERE/$crops" --ema 0.998 --work "$W/$name" --epochs "$epochs" \
     --deadline-minutes "$DEADLINE" --limit "$LIMIT" --workers "$WORKERS" "$@") >"$W/$name/train.log" 2>&1
  echo "$name: exit $? after $(( $(date +%s) - start )) s"
}
run a075 crops-aligned.npz --width 0.75 &
run a05 crops-aligned.npz --width 0.5 &
run p075 crops-aligned.npz --width 0.75 --keep-names "$HERE/part1-names.txt" &
run b075 crops-box.npz --width 0.75 &
wait
for n in a075 a05 p075 b075; do echo "== $n"; grep -v '^\s*$' "$W/$n/train.log" | tail -n 4; done
tar czf "$OUT/runs.tgz" -C "$W" .
ls -la "$OUT"
