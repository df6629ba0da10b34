#!/bin/sh
# The shipped age model's recipe on a machine with one GPU and Keras on JAX: three teachers side by side,
# then a width-0.75 student distilled from them. The epoch counts replay the lent-GPU runs of 2026-11-23, which
# a time limit stopped before their cosine schedules ended (models/report/ablation.md). One difference: those
# runs' teachers had their dropout on while teaching (a bug since fixed in training/model.py: FrozenTeacher).
#   usage: training/gpu_recipe.sh PYTHON WORK    (WORK holds crops-trainval.npz from python -m training.pack)
# Then, where TensorFlow is: python -m training.train --finish-only --work WORK/student
set -eu
PY=${1:-python3}
WORK=${2:-.cache/gpu}
CROPS=$WORK/crops-trainval.npz
[ -f "$CROPS" ] || { echo "gpu_recipe: $CROPS is missing: make it with python -m training.pack $CROPS" >&2; exit 1; }
export KERAS_BACKEND=${KERAS_BACKEND:-jax} XLA_PYTHON_CLIENT_PREALLOCATE=false

run() {
    name=$1; shift
    mkdir -p "$WORK/$name"
    rm -f "$WORK/$name/model.keras" "$WORK/$name/run.json"  # never distil from an earlier run's leftovers
    echo "training $name: $*"
    "$PY" -m training.train --crops "$CROPS" --ema 0.998 --work "$WORK/$name" "$@" >"$WORK/$name/train.log" 2>&1 ||
        { echo "gpu_recipe: $name failed; the end of $WORK/$name/train.log:" >&2; tail -n 20 "$WORK/$name/train.log" >&2; return 1; }
}

run w10 --width 1.0 --epochs 165 --stop-after-epoch 156 --workers 4 & a=$!
run w20 --width 2.0 --epochs 165 --stop-after-epoch 155 --workers 4 & b=$!
run w075 --width 0.75 --epochs 165 --stop-after-epoch 157 --workers 4 & c=$!
failed=0
wait $a || failed=1
wait $b || failed=1
wait $c || failed=1
[ $failed -eq 0 ] || { echo "gpu_recipe: a teacher failed; no student trained" >&2; exit 1; }
run student --width 0.75 --epochs 150 --stop-after-epoch 89 --workers 8 --distil-weight 0.5 \
    --teacher "$WORK/w10/model.keras" --teacher "$WORK/w20/model.keras" --teacher "$WORK/w075/model.keras"
echo "done: $WORK/student/model.keras; finish it with: python -m training.train --finish-only --work $WORK/student"
