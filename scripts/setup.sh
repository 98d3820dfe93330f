#!/usr/bin/env bash
# Installs whatever zksim needs that this machine lacks, and skips what is there.
# Debian 12 with rustup's Rust and node/npm; runs as root or with sudo; needs no input (CI=true).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

started=$SECONDS
SUDO=""
if [[ $(id -u) != 0 ]]; then SUDO="sudo"; fi

# Debian packages: the browser for both browser-test layers, a C compiler for cargo install.
apt_missing=()
for pkg in chromium chromium-driver gcc libc6-dev; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    apt_missing+=("$pkg")
  fi
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_missing+=(nodejs npm)
fi
if ((${#apt_missing[@]})); then
  say "apt: installing ${apt_missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${apt_missing[@]}" </dev/null
else
  say "apt: chromium, chromium-driver, gcc present"
fi

command -v rustup >/dev/null || die "rustup not found: this machine kind comes with Rust by rustup"

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup: wasm32-unknown-unknown present"
else
  say "rustup: adding target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if rustup component list --installed | grep -q "^$component"; then
    say "rustup: $component present"
  else
    say "rustup: adding component $component"
    rustup component add "$component"
  fi
done

if [[ $(trunk --version 2>/dev/null || true) == "trunk $TRUNK_VERSION" ]]; then
  say "trunk $TRUNK_VERSION present"
else
  # trunk's own release profile is fat LTO with one codegen unit: a long serial link step on a
  # 2-core machine. A build tool does not need that; thin local LTO and parallel codegen make
  # the same binary in a fraction of the time.
  say "cargo install trunk $TRUNK_VERSION (several minutes on 2 cores)"
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --locked trunk --version "=$TRUNK_VERSION"
fi

wb_version="$(wasm_bindgen_version)"
[[ -n $wb_version ]] || die "wasm-bindgen not found in Cargo.lock"
grep -q "^wasm_bindgen = \"$wb_version\"" Trunk.toml ||
  die "Trunk.toml [tools] wasm_bindgen must be \"$wb_version\" (the version in Cargo.lock)"
if [[ $(wasm-bindgen --version 2>/dev/null || true) == "wasm-bindgen $wb_version" ]] &&
  [[ $(wasm-bindgen-test-runner --version 2>/dev/null || true) == *" $wb_version" ]]; then
  say "wasm-bindgen-cli $wb_version present"
else
  # Not --locked: the CLI's own lockfile names a crate version the index no longer has.
  say "cargo install wasm-bindgen-cli $wb_version (about 2.5 minutes)"
  cargo install wasm-bindgen-cli --version "=$wb_version"
fi

if cargo nextest --version >/dev/null 2>&1; then
  say "cargo-nextest present"
else
  say "cargo install cargo-nextest"
  cargo install --locked cargo-nextest
fi

# cargo fuzz (the fuzz layer) builds with the machine's nightly toolchain, beside stable.
if rustup run nightly rustc --version >/dev/null 2>&1; then
  say "rustup: nightly present ($(rustup run nightly rustc --version))"
else
  say "rustup: installing a minimal nightly toolchain (for cargo fuzz)"
  rustup toolchain install nightly --profile minimal
fi
if [[ $(cargo fuzz --version 2>/dev/null || true) == "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
  say "cargo-fuzz $CARGO_FUZZ_VERSION present"
else
  say "cargo install cargo-fuzz $CARGO_FUZZ_VERSION (about a minute)"
  cargo install --locked cargo-fuzz --version "=$CARGO_FUZZ_VERSION"
fi

# node_modules is current when it was installed from this exact package-lock.json.
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.zksim-package-lock.sha256"
if [[ -f $stamp && $(cat "$stamp") == "$lock_sum" ]]; then
  say "npm: node_modules matches package-lock.json"
else
  say "npm ci (playwright-core, binaryen's wasm-opt, axe-core)"
  npm ci --no-fund --no-audit
  printf '%s\n' "$lock_sum" >"$stamp"
fi

say "cargo fetch --locked"
cargo fetch --locked --quiet
cargo fetch --locked --quiet --manifest-path fuzz/Cargo.toml

say "ready in $((SECONDS - started)) s"
