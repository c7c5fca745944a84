#!/usr/bin/env bash
# The main job: install what is missing, build every package, then check that every backend that can run
# here computes the same thing as the float64 reference (`resblocks verify`; extra arguments go to it,
# e.g. `bash scripts/main.sh --full` or `bash scripts/main.sh --models resnet18 --backends tfjs:wasm`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/install.sh
source scripts/install.sh
install_all

say "build"
turbo run build

say "resblocks verify $*"
exec node packages/cli/dist/bin.js verify "$@"
