#!/usr/bin/env bash
# GPU figures in one call, on a Linux x86-64 machine with a GPU but without Node, npm or network.
#
#   bash scripts/gpu-bench.sh pack                 here (built repo, npm ci done): fills .gpu-bench/
#   bash scripts/gpu-bench.sh run [options]        there, from the repo root, with .gpu-bench/ copied along
#
# pack: builds the packages, stages the built packages and the runtime files of their dependencies
#   (scripts/gpu-bench/pack.mjs), adds this machine's Node binary, compresses it all into
#   .gpu-bench/bundle.tar.xz and downloads Debian's Vulkan loader and glvnd (.debs) beside it.
#   Fails if the folder is over its size limit (64 MiB, less the repository's own files).
# run: unpacks the bundle into /tmp, puts the Vulkan loader in a private prefix (LD_LIBRARY_PATH)
#   unless the system has one, points the loader at the NVIDIA driver if no Vulkan driver is
#   registered, then runs `resblocks bench` for resnet50 and resnext50_32x4d at 224x224 on
#   webgpu:f32 (also with GPU tensors in and out, --io gpu), tfjs:webgpu, webgpu:f16, onnx-web:webgpu and
#   gpujs:webgpu, batch 1, 16 and 64, plus PyTorch CUDA (fp32, no
#   TF32) when python3 has torch. Results go to OUT/gpu-bench.json (and a log beside it) after every
#   run. Options (all optional):
#     --out DIR          where results go (default: $OUT if set, else ./gpu-bench-out)
#     --budget S         total seconds for the measurements (default 540: one 10-minute command)
#     --per-run S        limit of one measurement (default 150)
#     --models a,b  --backends x,y  --batches 1,16,64  --size 224
#     --iterations N  --warmup N  --max-seconds S      passed to `resblocks bench`
#     --runs id,id       only these runs (ids as printed, e.g. tfjs:webgpu/resnet50/b64, pytorch:cuda)
#     --torch skip       leave out the PyTorch anchor
#     --tune S           first sweep the WGSL engine's tiles for S seconds (packages/webgpu/scripts/tune.ts);
#                        either way the engine's dispatches are then timed per kernel class with timestamp
#                        queries (packages/webgpu/bench/profile.ts: ms, share and GFLOP/s per class);
#                        the webgpu benches then use the table it writes, copied to OUT/tables/ for the repo
#     --allow-software   also measure a software WebGPU adapter (SwiftShader: for checking the script)
#     --packed-vulkan    use the packed Vulkan loader even where the system has one
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pack_dir="$root/.gpu-bench"
limit_bytes=$((64 * 1024 * 1024))
VULKAN_DEBS="libvulkan1 libglvnd0 libgl1 libglx0 libegl1 libopengl0 libgles2"

die() {
  echo "gpu-bench: $*" >&2
  exit 2
}

pack() {
  [ "$(uname -m)" = x86_64 ] || die "pack must run on x86-64: the bundle carries this machine's Node binary"
  command -v node >/dev/null || die "node is not on PATH"
  command -v xz >/dev/null || die "xz is missing: apt-get install -y xz-utils"
  [ -d "$root/node_modules" ] || die "no node_modules: run npm ci first"
  echo "gpu-bench: building the packages"
  (cd "$root" && npx turbo run build --output-logs=errors-only)

  local stage
  stage="$(mktemp -d)"
  trap 'rm -rf "$stage"' RETURN
  node "$root/scripts/gpu-bench/pack.mjs" "$stage" >/dev/null
  # The WGSL engine's tile sweep as plain JavaScript (the bundle has no TypeScript runner); the
  # packages it imports resolve from the staged node_modules.
  local script
  for script in scripts/tune.ts bench/profile.ts; do
    (cd "$root" && npx esbuild "packages/webgpu/$script" --bundle --platform=node --format=esm \
      --packages=external --log-level=warning --outfile="$stage/$(basename "$script" .ts).mjs")
  done
  mkdir -p "$stage/node/bin"
  cp "$(command -v node)" "$stage/node/bin/node"

  rm -rf "$pack_dir"
  mkdir -p "$pack_dir"
  echo "gpu-bench: compressing (xz; a few minutes)"
  tar -C "$stage" -cf - . | xz -T2 -6 >"$pack_dir/bundle.tar.xz"
  # The Vulkan loader, and glvnd: NVIDIA's Vulkan driver lives in libGLX_nvidia, which needs it.
  (cd "$pack_dir" && apt-get download $VULKAN_DEBS) ||
    die "apt-get download $VULKAN_DEBS failed (no Debian package index? run apt-get update)"
  ls "$pack_dir"/libvulkan1_*.deb >/dev/null

  local packed repo total
  packed=$(du -sb "$pack_dir" | cut -f1)
  repo=$(cd "$root" && git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
  total=$((packed + repo))
  awk -v p="$packed" -v r="$repo" -v t="$total" -v l="$limit_bytes" 'BEGIN {
    printf "gpu-bench: .gpu-bench/ is %.1f MiB, the repository %.1f MiB: %.1f MiB of %d MiB\n", p / 2^20, r / 2^20, t / 2^20, l / 2^20
  }' 
  [ "$total" -le "$limit_bytes" ] || die "over the limit: the bundle must shrink (see scripts/gpu-bench/pack.mjs)"
}

# Vulkan drivers (ICD manifests) the loader would find by itself.
have_icd() {
  local d
  for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d \
    "${XDG_DATA_HOME:-$HOME/.local/share}/vulkan/icd.d"; do
    compgen -G "$d/*.json" >/dev/null && return 0
  done
  return 1
}

run() {
  local out="${OUT:-$PWD/gpu-bench-out}" args=() a packed_vulkan=0
  while [ $# -gt 0 ]; do
    a="$1"
    case "$a" in
      --out) out="${2:?--out needs a folder}"; shift 2 ;;
      --packed-vulkan) packed_vulkan=1; shift ;;
      --allow-software) args+=("$a"); shift ;;
      --*) args+=("$a" "${2:?$a needs a value}"); shift 2 ;;
      *) die "unknown argument '$a' (see the top of scripts/gpu-bench.sh)" ;;
    esac
  done
  [ -f "$pack_dir/bundle.tar.xz" ] || die "no .gpu-bench/bundle.tar.xz: run 'bash scripts/gpu-bench.sh pack' first and carry .gpu-bench"
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"

  # Unpack once per bundle (a warm machine keeps /tmp).
  local dest=/tmp/resblocks-gpu-bench stamp
  stamp="$(cksum <"$pack_dir/bundle.tar.xz")"
  if [ "$(cat "$dest/.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "gpu-bench: unpacking into $dest"
    rm -rf "$dest"
    mkdir -p "$dest"
    xz -dc -T0 "$pack_dir/bundle.tar.xz" | tar -C "$dest" -xf -
    echo "$stamp" >"$dest/.stamp"
  fi
  export PATH="$dest/node/bin:$PATH"
  node --version >/dev/null || die "the packed Node does not run here"

  # Vulkan loader and glvnd: the system's, else Debian's packages in a private prefix (nothing under /).
  if [ "$packed_vulkan" = 1 ] || ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' ||
    ! ldconfig -p 2>/dev/null | grep -q 'libGLdispatch\.so\.0'; then
    local deb prefix="$dest/vulkan"
    ls "$pack_dir"/libvulkan1_*.deb >/dev/null 2>&1 || die "no libvulkan1 .deb in .gpu-bench/"
    if [ ! -d "$prefix/usr" ]; then
      for deb in "$pack_dir"/*.deb; do
        if command -v dpkg-deb >/dev/null; then
          dpkg-deb -x "$deb" "$prefix"
        else
          mkdir -p "$prefix" && (cd "$prefix" && ar p "$deb" "$(ar t "$deb" | grep '^data\.tar')" | tar -xJf -)
        fi
      done
    fi
    export LD_LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "gpu-bench: Vulkan loader and glvnd from $(cd "$pack_dir" && ls *.deb | tr '\n' ' ')(private prefix)"
  fi
  # The NVIDIA driver's ICD where no Vulkan driver is registered with the loader.
  local nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && ! have_icd && [ -f "$nvidia_icd" ]; then
    export VK_DRIVER_FILES="$nvidia_icd" VK_ICD_FILENAMES="$nvidia_icd"
    echo "gpu-bench: no Vulkan driver registered; using $nvidia_icd"
  fi
  [ -d /usr/local/nvidia/lib64 ] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/usr/local/nvidia/lib64"
  export XDG_RUNTIME_DIR="$dest/xdg"
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

  node "$root/scripts/gpu-bench/run.mjs" --bundle "$dest" --out "$out" ${args[@]+"${args[@]}"}
}

case "${1:-}" in
  pack) shift; pack "$@" ;;
  run) shift; run "$@" ;;
  *) die "usage: bash scripts/gpu-bench.sh pack | run [--out DIR] [--budget S] [...] (details at the top of the script)" ;;
esac
