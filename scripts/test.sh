#!/usr/bin/env bash
# Installs whatever is missing, then runs every check and test layer, in order, stopping at the
# first failure. `scripts/test.sh LAYER...` runs only the named layers (setup always runs).
#
#   fmt      cargo fmt --check
#   clippy   clippy -D warnings, native workspace and the web crate on wasm32
#   native   core and CLI tests (cargo nextest), then doc tests and the core's docs
#   browser  web/tests/ in headless Debian Chromium (wasm-bindgen-test)
#   bundle   trunk build --release, then the size budget
#   e2e      trunk serve on a free loopback port, Playwright driving Debian Chromium
#   fuzz     cargo fuzz (libFuzzer) on link decoding, scenario reading and a whole run, 45 s each;
#            beside conformance when both run (see start_beside)
#   conformance  the real ZooKeeper releases, built from source, against the simulator
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Gzipped wasm + JS of the release bundle must stay under this.
BUNDLE_GZIP_BYTES_MAX=$((400 * 1024))

fmt() {
  cargo fmt --all --check
  cargo fmt --manifest-path fuzz/Cargo.toml --check
}

clippy() {
  cargo clippy --workspace --exclude zksim-web --all-targets --locked -- -D warnings
  cargo clippy -p zksim-web --target wasm32-unknown-unknown --all-targets --locked -- -D warnings
}

native() {
  cargo nextest run --workspace --exclude zksim-web --locked --no-fail-fast
  cargo test --workspace --exclude zksim-web --doc --locked
  # The core's API docs build without a warning (broken intra-doc links, stray HTML).
  RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p zksim --locked
}

browser() {
  CHROMEDRIVER=/usr/bin/chromedriver cargo test -p zksim-web --target wasm32-unknown-unknown --locked
}

bundle() {
  trunk build --release --locked
  bash scripts/bundle-size.sh dist "$BUNDLE_GZIP_BYTES_MAX"
}

e2e() {
  node --test --test-reporter=spec tests/e2e/
}

fuzz() {
  # Bounded: FUZZ_SECONDS per target (scripts/fuzz.sh); a finding fails the layer.
  bash scripts/fuzz.sh
}

conformance() {
  # The comparators' own unit tests (real log excerpts in tests/conformance/fixtures/), then
  # the scenarios on the real releases.
  python3 -m unittest discover -s tests/conformance -p 'test_*.py'
  bash tests/conformance/run.sh
}

# Later layers (golden scenarios, conformance against a real ZooKeeper) are added here, in the
# order they should run, and to the list above.
LAYERS=(fmt clippy native browser bundle e2e fuzz conformance)

if (($#)); then
  for layer in "$@"; do
    [[ " ${LAYERS[*]} " == *" $layer "* ]] || die "unknown layer '$layer' (layers: ${LAYERS[*]})"
  done
  LAYERS=("$@")
fi

timings=()
report() {
  printf '\n%-10s %s\n' layer seconds
  for line in "${timings[@]}"; do printf '%s\n' "$line"; done
}

# The fuzz layer is CPU-bound and needs no clock; the conformance layer is mostly real ZooKeeper
# servers waiting out their timeouts (13% of the CPU on 2 cores). So when both are to run, fuzz
# runs beside conformance instead of before it, at the lowest CPU and I/O priority so the real
# servers' timers are not delayed by it; its output is printed when conformance ends, and a
# finding still fails the run. FUZZ_BESIDE=0 runs it in line, in its place.
beside_pid="" beside_log="" beside_t0=0
start_beside() {
  beside_log="$(mktemp)"
  beside_t0=$SECONDS
  # The subshell notes when fuzz itself ended, so its time in the table is its own.
  (
    exec > "$beside_log" 2>&1
    rc=0
    nice -n 19 ionice -c 3 bash scripts/fuzz.sh || rc=$?
    echo $SECONDS > "$beside_log.end"
    exit "$rc"
  ) &
  beside_pid=$!
  say "fuzz runs beside conformance (PID $beside_pid, lowest priority); its output follows conformance's"
}
finish_beside() {
  [[ -n "$beside_pid" ]] || return 0
  printf '\n%s=== fuzz (ran beside conformance)%s\n' "$BOLD" "$PLAIN"
  set +e
  wait "$beside_pid"
  local rc=$?
  set -e
  cat "$beside_log"
  local end=$SECONDS
  [[ -s "$beside_log.end" ]] && end=$(<"$beside_log.end")
  rm -f "$beside_log" "$beside_log.end"
  beside_pid=""
  if ((rc != 0)); then
    timings+=("$(printf '%-10s %5d  FAILED (exit %d), beside conformance' fuzz $((end - beside_t0)) "$rc")")
    return 1
  fi
  timings+=("$(printf '%-10s %5d  beside conformance' fuzz $((end - beside_t0)))")
}

t0=$SECONDS
bash scripts/setup.sh
timings+=("$(printf '%-10s %5d' setup $((SECONDS - t0)))")

for layer in "${LAYERS[@]}"; do
  if [[ "$layer" == fuzz && "${FUZZ_BESIDE:-1}" != 0 && " ${LAYERS[*]} " == *" conformance "* ]]; then
    start_beside
    continue
  fi
  printf '\n%s=== %s%s\n' "$BOLD" "$layer" "$PLAIN"
  t0=$SECONDS
  # A subshell outside any `if`, so `set -e` stops the layer at its first failing command.
  set +e
  (set -e; "$layer")
  rc=$?
  set -e
  if ((rc != 0)); then
    timings+=("$(printf '%-10s %5d  FAILED (exit %d)' "$layer" $((SECONDS - t0)) "$rc")")
    finish_beside || true
    report
    die "layer '$layer' failed"
  fi
  timings+=("$(printf '%-10s %5d' "$layer" $((SECONDS - t0)))")
  printf '%s=== %s: ok in %d s%s\n' "$BOLD" "$layer" $((SECONDS - t0)) "$PLAIN"
done
if ! finish_beside; then
  report
  die "layer 'fuzz' failed"
fi

report
say "all ${#LAYERS[@]} layers passed in ${SECONDS} s"
