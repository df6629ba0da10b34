#!/usr/bin/env bash
# Issue 22's CPU recipe: fine-tune the shipped int8 model on every collection with face-api.js's soft labels, then
# export and score it (models/ is not touched: WORK/out holds the candidate). The defaults are the fourth run's, which
# made the model shipped until the GPU's width-2.0 one, from the third (commit 208a440's models/age_int8.tflite) on 2 shared cores: steps 1-2 about
# 12 minutes, 56 of the 64 epochs in the 64-minute deadline, export 1-2 minutes (docs/benchmarks.md).
# The shipped model is now issue 22's width-2.0 network (training/gpu_issue22.sh): it has 5.9 times the parameters, so
# an epoch of this fine-tune takes several times as long here (about 2 s a step of 128 faces on the 2 cores: about 7
# minutes an epoch; docs/benchmarks.md), and the 64-minute deadline stops it after about 9 epochs.
#   [EPOCHS=64] [LR=1e-3] [AUGMENT=base|cameras] [SOFT_WEIGHT=0.5] training/cpu_finetune.sh [MINUTES] [WORK]
#   (MINUTES: the training deadline)
set -euo pipefail
MINUTES=${1:-64}
EPOCHS=${EPOCHS:-64}
LR=${LR:-1e-3}
AUGMENT=${AUGMENT:-base}
SOFT_WEIGHT=${SOFT_WEIGHT:-0.5}
WORK=${2:-.cache/finetune}
PY=${TRAIN_PYTHON:-.venv-train/bin/python}
DATA=(--data ../shared/datasets/utkface-crop-part1 --data ../shared/datasets/utkface-64
      --data ../shared/datasets/all-age-faces --data ../shared/datasets/fg-net)
mkdir -p "$WORK"
# 1. The crops of every collection (cached in .cache), and the shipped model back in Keras (batch norms from them).
"$PY" -m training.from_tflite models/age_int8.tflite "$WORK/shipped.keras" "${DATA[@]}" --cache-dir .cache
# 2. The teacher's ages for the training faces (Node; make faceapi).
test -f .cache/soft-faceapi.json || "$PY" -m training.faceapi_teacher "${DATA[@]}" --cache-dir .cache \
  --soft-labels .cache/soft-faceapi.json
# 3. Fine-tune (a warm restart: cosine from --lr), then export int8 and score it on every collection's test split.
"$PY" -m training.train "${DATA[@]}" --cache-dir .cache --init "$WORK/shipped.keras" --width 0.75 --ema 0.998 \
  --lr "$LR" --epochs "$EPOCHS" --augment "$AUGMENT" --soft-labels .cache/soft-faceapi.json --soft-weight "$SOFT_WEIGHT" \
  --deadline-minutes "$MINUTES" --work "$WORK/run" --out "$WORK/out" --workers 2
