#!/usr/bin/env bash
# Creates bench/pytorch/.venv with PyTorch from PyPI, for the CPU reference only.
# Idempotent: a venv that already imports the wanted torch is left as it is.
#   bash bench/pytorch/setup.sh            # torch $TORCH_VERSION (default below)
#   PYTHON=/usr/bin/python3 bash bench/pytorch/setup.sh
#   TORCH_VERSION= bash bench/pytorch/setup.sh   # newest torch PyPI serves
# PyPI's Linux x86_64 torch wheel is the CUDA build: pip also pulls the nvidia-* / triton wheels
# (about 3-4 GB installed). It runs on the CPU all the same; nothing here needs a GPU.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
want="${TORCH_VERSION-2.15.0}"
spec="torch${want:+==$want}"

if [ -x "$venv/bin/python" ] && "$venv/bin/python" - "$want" <<'PY' 2>/dev/null; then
import sys, numpy, torch
want = sys.argv[1]
sys.exit(0 if not want or torch.__version__.split("+")[0] == want else 1)
PY
  echo "bench/pytorch/.venv already has torch $("$venv/bin/python" -c 'import torch; print(torch.__version__)')"
  exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
start=$(date +%s)
# numpy only so that torch does not warn "Failed to initialize NumPy" on import; the bench does not use it.
"$venv/bin/python" -m pip install --disable-pip-version-check -q "$spec" numpy
"$venv/bin/python" -c 'import torch; print("torch", torch.__version__, "threads", torch.get_num_threads())'
echo "installed in $(( $(date +%s) - start )) s"
