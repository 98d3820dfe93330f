#!/usr/bin/env bash
# Coverage-guided fuzzing of the simulator's three doors (cargo fuzz, libFuzzer): link decoding,
# scenario reading and validation, and a whole run under the browser's limits. What each target
# checks is in fuzz/src/lib.rs; the seed corpus is the gallery and the link fixtures
# (fuzz/seed.py writes it into fuzz/corpus/, which is not committed).
#
#   bash scripts/fuzz.sh                    every target, FUZZ_SECONDS (45) each: the test layer
#   bash scripts/fuzz.sh scenario_run       one target
#   FUZZ_SECONDS=3600 bash scripts/fuzz.sh  a long hunt; the corpus grows between runs
#
# A finding stops the script with the input's path under fuzz/artifacts/<target>/, its bytes
# in base64 (so a CI log is enough to reproduce it), and the command that replays it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TARGETS_ALL=(link_decode scenario_read scenario_run)
FUZZ_SECONDS="${FUZZ_SECONDS:-45}"
# One input slower than this is a finding. A run under the browser's limits may be long (a
# virtual day of 500 clients is minutes), so the bound is far above the seeds' runs (under a
# second each) and only catches a run that does not end.
INPUT_SECONDS_MAX=120
# Fixed, so that a run starts from the same mutations: the corpus is what varies.
LIBFUZZER_SEED=1

targets=("$@")
((${#targets[@]})) || targets=("${TARGETS_ALL[@]}")
for t in "${targets[@]}"; do
  [[ " ${TARGETS_ALL[*]} " == *" $t "* ]] || die "unknown fuzz target '$t' (targets: ${TARGETS_ALL[*]})"
done

# cargo fuzz needs a nightly rustc (-Z sanitizer flags); the machine has one beside stable.
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  die "no nightly toolchain: cargo fuzz needs one (rustup toolchain install nightly)"
fi
command -v cargo-fuzz >/dev/null || die "cargo-fuzz not found: bash scripts/setup.sh installs it"

# Outside the workspace's target/: its sanitizer flags would rebuild every dependency there.
export CARGO_TARGET_DIR="$ROOT/target/fuzz"

python3 fuzz/seed.py "${targets[@]}"
say "building the fuzz targets ($(rustup run nightly rustc --version))"
mkdir -p "$CARGO_TARGET_DIR"
if ! cargo +nightly fuzz build --fuzz-dir fuzz -O >"$CARGO_TARGET_DIR/build.log" 2>&1; then
  tail -40 "$CARGO_TARGET_DIR/build.log" >&2
  die "the fuzz targets do not build"
fi

# cargo fuzz has no --locked: the committed lock must come out of the build unchanged.
if ! git diff --quiet -- fuzz/Cargo.lock 2>/dev/null; then
  git --no-pager diff --stat -- fuzz/Cargo.lock >&2
  die "fuzz/Cargo.lock changed in the build: update it on purpose (cargo update --manifest-path fuzz/Cargo.toml)"
fi

summary=()
for t in "${targets[@]}"; do
  out="$CARGO_TARGET_DIR/fuzz-$t.log"
  mkdir -p "fuzz/artifacts/$t"
  stamp="$CARGO_TARGET_DIR/fuzz-$t.started"
  touch "$stamp"
  say "fuzz $t for ${FUZZ_SECONDS} s"
  set +e
  cargo +nightly fuzz run --fuzz-dir fuzz -O "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$FUZZ_SECONDS" -timeout="$INPUT_SECONDS_MAX" -seed="$LIBFUZZER_SEED" \
    -dict=fuzz/scenario.dict -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" \
    >"$out" 2>&1 </dev/null
  rc=$?
  set -e
  # libFuzzer's last status line: "#<execs> DONE cov: <edges> ft: <features> corp: <n>/<size>"
  done_line="$(grep -a -E '^#[0-9]+[[:space:]]+DONE' "$out" | tail -1 | sed -E 's/^#[0-9]+[[:space:]]+DONE[[:space:]]+//' || true)"
  execs="$(grep -a -oE '^stat::number_of_executed_units: *[0-9]+' "$out" | grep -oE '[0-9]+$' | tail -1 || true)"
  if ((rc != 0)); then
    grep -a -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|RELOAD)' "$out" | tail -40 >&2
    # this run's findings only (an earlier one stays in the folder until it is fixed and removed)
    find "fuzz/artifacts/$t" -type f -newer "$stamp" | sort | while read -r a; do
      printf '\n--- finding %s (%d bytes), base64:\n' "$a" "$(stat -c %s "$a")" >&2
      base64 -w 100 "$a" | head -100 >&2
      printf -- '--- replay: cargo +nightly fuzz run --fuzz-dir fuzz -O %s %s\n' "$t" "$a" >&2
    done
    die "fuzz target $t failed (exit $rc); its log: $out"
  fi
  # Coverage: edges the corpus reached at the start (INITED: the seeds, on a fresh clone), at the
  # end (DONE), and of all instrumented (the target's code and its dependencies').
  edges_all="$(grep -a -oE 'Loaded 1 modules +\([0-9]+ inline' "$out" | grep -oE '\([0-9]+' | tr -d '(' | head -1 || true)"
  edges_seeds="$(grep -a -E '^#[0-9]+[[:space:]]+INITED' "$out" | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+' | head -1 || true)"
  edges_end="$(grep -oE 'cov: [0-9]+' <<<"$done_line" | grep -oE '[0-9]+' || true)"
  summary+=("$(printf '%-14s %10s %9s %9s %9s   %s' "$t" "${execs:-?}" "${edges_seeds:-?}" \
    "${edges_end:-?}" "${edges_all:-?}" "$done_line")")
done

printf '\n%-14s %10s %9s %9s %9s   %s\n' target executions "edges:start" end of "libFuzzer's last line"
printf '%s\n' "${summary[@]}"
