#!/usr/bin/env bash
# Runs bench/gpu on a machine that bench/gpu/pack.sh packed for (an NVIDIA GPU, Python with PyTorch, no
# Node): unpacks .gpu/, sets up Vulkan for Dawn, then runs the bench (bench/gpu/index.ts), or with `step`
# first bench/gpu/step.ts. Other arguments go to the script.
#
#   bash bench/gpu/run.sh [--rounds 1 --epochs 2]      (from the repository root)
#   bash bench/gpu/run.sh step [--steps 30]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pack="$root/.gpu"
work=/tmp/ln-gpu
mkdir -p "$work/bin" /usr/share/datasets/fashion-mnist
xz -dc "$pack/node.xz" > "$work/bin/node" && chmod +x "$work/bin/node"
xz -dc "$pack/app.tar.xz" | tar -C "$work" -xf -
for f in "$pack/data/"*.gz; do
  [ -e "/usr/share/datasets/fashion-mnist/${f##*/}" ] || cp "$f" /usr/share/datasets/fashion-mnist/
done
# The Vulkan loader, and glvnd, which NVIDIA's Vulkan driver (libGLX_nvidia.so.0) needs to load.
if ! ldconfig -p | grep -q libvulkan.so.1 || ! ldconfig -p | grep -q libGLdispatch.so.0; then
  for deb in "$pack/debs/"*.deb; do dpkg -x "$deb" /; done
  ldconfig
fi
# The NVIDIA Vulkan driver's manifest, where the container mounts the driver rather than installing it.
if ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/share/vulkan/icd.d/*.json; do
    [ -e "$icd" ] && export VK_DRIVER_FILES="$icd" && break
  done
fi
export PATH="$work/bin:$PATH"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader || true
echo "node $(node --version); $(python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' || echo 'python3 has no torch')"
if [ "${1:-}" = step ]; then
  shift && node "$work/app/gpu-step.mjs" "$@"
  exit
fi
node "$work/app/gpu-index.mjs" --python "$(command -v python3)" --torch-script "$root/bench/pytorch/train_ch6.py" \
  --ln-side "$work/app/vs-pytorch-ln-side.mjs" "$@"
