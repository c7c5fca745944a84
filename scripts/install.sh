#!/usr/bin/env bash
# Installs what resblocks needs on Debian, and does nothing when it is already there:
#   - Node.js >= 20 with npm (checked, not installed: Debian 12's own nodejs is too old),
#   - the npm dependencies from the committed lockfile (`npm ci`, skipped when node_modules matches it),
#   - Debian's chromium package for SwiftShader (the CPU Vulkan driver WebGPU runs on when there is no GPU)
#     and libvulkan1 (the Vulkan loader Dawn opens); installed with apt-get when running as root.
# Other scripts source this file; it can also be run on its own.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SWIFTSHADER_ICD=/usr/lib/chromium/vk_swiftshader_icd.json

say() { printf '==> %s\n' "$*"; }
die() {
  printf 'error: %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}

check_node() {
  command -v node >/dev/null 2>&1 ||
    die "Node.js is not installed; resblocks needs Node.js 20 or newer with npm." \
      "Install it from https://nodejs.org/en/download (Debian 13 and later: apt-get install -y nodejs npm)."
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  ((major >= 20)) ||
    die "Node.js $(node -v) is too old; resblocks needs Node.js 20 or newer." \
      "Install a newer one from https://nodejs.org/en/download (Debian 13 and later: apt-get install -y nodejs npm)."
  command -v npm >/dev/null 2>&1 ||
    die "npm is not installed (Node.js $(node -v) is)." \
      "Install it with your Node.js distribution (Debian: apt-get install -y npm)."
}

# True when libvulkan.so.1 is on the loader path (chromium's private copy does not count: Dawn cannot see it).
have_vulkan_loader() {
  ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 ' ||
    [[ -e /usr/lib/x86_64-linux-gnu/libvulkan.so.1 || -e /usr/lib/aarch64-linux-gnu/libvulkan.so.1 ]]
}

check_system_packages() {
  local missing=()
  [[ -f "$SWIFTSHADER_ICD" ]] || missing+=(chromium)
  have_vulkan_loader || missing+=(libvulkan1)
  ((${#missing[@]} == 0)) && return 0

  local why="missing Debian package(s): ${missing[*]} (SwiftShader's Vulkan driver $SWIFTSHADER_ICD and the Vulkan loader, which WebGPU uses when there is no GPU)"
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y "${missing[@]}"
    [[ -f "$SWIFTSHADER_ICD" ]] || die "chromium is installed but $SWIFTSHADER_ICD is still missing."
    have_vulkan_loader || die "libvulkan1 is installed but libvulkan.so.1 is still not on the loader path."
  elif command -v apt-get >/dev/null 2>&1; then
    die "$why." "Install them as root, then run this again:" \
      "sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  else
    die "$why." "This is not a Debian system: install your distribution's chromium (it must provide" \
      "$SWIFTSHADER_ICD) and the Vulkan loader (libvulkan.so.1), then run this again."
  fi
}

install_npm_dependencies() {
  cd "$ROOT"
  if node scripts/install-state.mjs --check; then
    say "npm dependencies match package-lock.json"
    return 0
  fi
  say "npm ci (package-lock.json changed or node_modules is missing)"
  npm ci --no-audit --no-fund
  node scripts/install-state.mjs --stamp
}

install_all() {
  local start=$SECONDS
  check_node
  check_system_packages
  install_npm_dependencies
  # Dawn needs a writable runtime directory; a fresh container or CI runner may have none.
  if [[ -z "${XDG_RUNTIME_DIR:-}" || ! -w "${XDG_RUNTIME_DIR:-/nonexistent}" ]]; then
    XDG_RUNTIME_DIR="${TMPDIR:-/tmp}/resblocks-runtime-$(id -u)"
    mkdir -p "$XDG_RUNTIME_DIR"
    chmod 700 "$XDG_RUNTIME_DIR"
  fi
  export XDG_RUNTIME_DIR
  export PATH="$ROOT/node_modules/.bin:$PATH"
  # turbo: no telemetry, no update check (the scripts must not reach beyond the npm registry and apt).
  export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 DO_NOT_TRACK=1
  say "install ready ($((SECONDS - start)) s): node $(node -v), npm $(npm -v)"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  install_all
fi
