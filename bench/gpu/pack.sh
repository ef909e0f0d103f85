#!/usr/bin/env bash
# Packs bench/gpu for a machine with a GPU but without Node, pnpm or a network (the device machine) into
# .gpu/ (git-ignored; with the repository under the 64 MiB such a machine is sent): a Node binary (xz); the
# bench bundled by esbuild, with @tensorflow/* and webgpu left to a minimal node_modules (each package's
# package.json and Node entry file only, so that useDevice loads tfjs-backend-webgpu the way an installed
# project does); Fashion-MNIST's .gz files as published; Debian's Vulkan loader and glvnd packages.
# bench/gpu/run.sh unpacks and runs it there.
#
#   pnpm build && bash bench/gpu/pack.sh      (NODE=/path/to/node packs another Node; default `node`)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/.gpu"
node_bin=$(readlink -f "${NODE:-$(command -v node)}")
app=$(mktemp -d)/app
rm -rf "$out" && mkdir -p "$app/node_modules/@tensorflow" "$out/data" "$out/debs"
grep -qx '/.gpu/' "$root/.git/info/exclude" 2>/dev/null || echo '/.gpu/' >> "$root/.git/info/exclude"

echo "node: $node_bin ($("$node_bin" --version))"
xz -T0 -9 -c "$node_bin" > "$out/node.xz"

cd "$root/bench"
banner="import { createRequire as __lnRequire } from 'node:module'; const require = __lnRequire(import.meta.url);"
for entry in gpu/index.ts gpu/step.ts vs-pytorch/ln-side.ts; do
  node_modules/.bin/esbuild "$entry" --bundle --platform=node --format=esm --target=node20 --log-level=error \
    --external:@tensorflow/* --external:webgpu --banner:js="$banner" \
    --outfile="$app/$(echo "${entry%.ts}" | tr / -).mjs"
done

# The packages the bundle and useDevice import, found where pnpm put them for @ln/train.
store="$root/node_modules/.pnpm/node_modules"
copy_package() { # name, then the files beyond package.json and the Node entry
  local name=$1 from to main
  from=$(readlink -f "$store/$name")
  to="$app/node_modules/$name"
  main=$(node -p "require('$from/package.json').main || 'index.js'")
  mkdir -p "$to/$(dirname "$main")"
  cp "$from/package.json" "$to/" && cp "$from/$main" "$to/$main"
  shift
  for extra in "$@"; do mkdir -p "$to/$(dirname "$extra")" && cp -r "$from/$extra" "$to/$extra"; done
}
for p in tfjs tfjs-core tfjs-layers tfjs-converter tfjs-data tfjs-backend-cpu tfjs-backend-webgl tfjs-backend-webgpu; do
  copy_package "@tensorflow/$p"
done
copy_package @tensorflow/tfjs-backend-wasm dist/tfjs-backend-wasm-simd.wasm dist/tfjs-backend-wasm-threaded-simd.wasm dist/tfjs-backend-wasm.wasm
for p in seedrandom long node-fetch whatwg-url tr46 webidl-conversions string_decoder safe-buffer; do
  if [ -e "$store/$p" ]; then cp -rL "$store/$p" "$app/node_modules/$p"; fi
done
copy_package webgpu "dist/linux-x64"
tar -C "$(dirname "$app")" -cf - app | xz -T0 -9 > "$out/app.tar.xz"

cp /usr/share/datasets/fashion-mnist/*.gz "$out/data/"
(cd "$out/debs" && apt-get download libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libopengl0 libgles2 2>/dev/null)
du -sh "$out"
