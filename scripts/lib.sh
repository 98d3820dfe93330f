# Shared by the scripts in this folder (sourced, not run). Puts the repository root in $ROOT,
# changes to it, and puts the tools the scripts install on PATH.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# rustup's cargo, the cargo-installed tools (trunk, wasm-bindgen), and npm's wasm-opt for trunk.
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# Pinned tool versions. wasm-bindgen is not here: it is read from Cargo.lock (see setup.sh).
TRUNK_VERSION="0.21.14"
CARGO_FUZZ_VERSION="0.13.2"

# Bold only on a terminal, so CI logs stay plain text.
if [[ -t 1 ]]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD="" PLAIN=""; fi
say() { printf '%s[%s]%s %s\n' "$BOLD" "$(basename "$0" .sh)" "$PLAIN" "$*"; }
die() { printf '%s[%s] error:%s %s\n' "$BOLD" "$(basename "$0" .sh)" "$PLAIN" "$*" >&2; exit 1; }

# The exact wasm-bindgen version Cargo.lock resolved; the CLI must be the same version.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}
