#!/usr/bin/env bash
# Compiles kernel.c to kernel.wasm (own, exported memory) and kernel-import.wasm (imports
# "env"."memory", e.g. tfjs's). Needs Debian's clang 14 + lld: apt-get install -y clang lld
set -euo pipefail
cd "$(dirname "$0")"
FLAGS=(--target=wasm32 -O3 -msimd128 -mbulk-memory -nostdlib -fno-builtin -fno-jump-tables
  -Wl,--no-entry -Wl,--strip-all)
clang "${FLAGS[@]}" -o kernel.wasm kernel.c
# Same code, memory imported: it has no data segment (-fno-jump-tables keeps switches
# out of memory), and its shadow-stack pointer is exported so the host points it into a
# block it allocated (a few block functions spill up to 80 bytes there); otherwise it
# would sit at wasm-ld's default address, inside the host's own data.
clang "${FLAGS[@]}" -mmutable-globals -Wl,--import-memory -Wl,--export=__stack_pointer \
  -o kernel-import.wasm kernel.c
ls -l kernel.wasm kernel-import.wasm
