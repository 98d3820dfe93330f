#!/usr/bin/env bash
# Proof of fakeclock.py: a JVM sees the jumps (ClockProbe self-test), then real 3.4.6 and 3.4.14
# standalone servers (tickTime 2000) each with a dropped 10 s session, the server's wall clock
# jumped 3 s after the session's last request, by 0, +JUMP_MS and -JUMP_MS:
#
#   bash tests/conformance/clock/prove-jump.sh [JUMP_MS]        default 6000
#
# 3.4.6's tracker runs on System.currentTimeMillis (the expiry moves by the jump), 3.4.14's on
# nanoTime (it does not). Prints the log lines and real instants; last line `jumpproof ok` or
# `jumpproof FAILED` (exit 1). ZKSIM_CLOCK_KEEP=1 keeps the logs.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JUMP="${1:-6000}"
export DEBIAN_FRONTEND=noninteractive
timeout -k 10 180 python3 "$HERE/fakeclock.py" || { echo "jumpproof FAILED: fakeclock self-test"; exit 1; }
args=()
out="$(bash "$HERE/../releases.sh" 3.4.6 3.4.14)" || { printf '%s\n' "$out"; echo "jumpproof FAILED: release build"; exit 1; }
while read -r tag v dir; do
  [[ "$tag" == release ]] && args+=("$v=$dir")
done <<<"$out"
((${#args[@]} == 2)) || { printf '%s\n' "$out"; echo "jumpproof FAILED: release build"; exit 1; }
exec timeout -k 10 600 python3 "$HERE/jumpproof.py" "$JUMP" "${args[@]}"
