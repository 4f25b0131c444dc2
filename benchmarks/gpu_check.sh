#!/usr/bin/env bash
# GPU check: DEC, IDEC and N2D on MNIST-test on CUDA (device, seconds, ACC), then the RAPIDS path
# (cuML UMAP/HDBSCAN, cuGraph Leiden via device=auto), which its tests run or skip with the reason.
# Installs nothing: needs a Python with the project's dependencies (or PYTHONPATH pointing at them).
# Run from the repository root; finishes in well under 5 minutes on an H200.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] && PY=.venv/bin/python
"$PY" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print('device:', torch.cuda.get_device_name(0))"
PYTHONUNBUFFERED=1 timeout 290 "$PY" benchmarks/deep_mnist.py --device cuda --pretrain-epochs 200 --max-iter 8000 \
    --methods kmeans,dec,idec,n2d
"$PY" -m pytest -q -rs -p no:cacheprovider tests/test_rapids.py
