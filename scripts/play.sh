#!/usr/bin/env bash
# Installs whatever is missing, then serves the playground at http://127.0.0.1:8080.
# A release build (the small `web` profile and wasm-opt -Oz): what you see is what the tests
# check and what ships, and after scripts/test.sh it starts from a warm cache.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash scripts/setup.sh
say "trunk serve --release: http://127.0.0.1:8080 (Ctrl-C stops it)"
exec trunk serve --release
