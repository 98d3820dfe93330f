#!/usr/bin/env bash
# Proof of the seedclock agent on real 3.4.5 and 3.4.6 (3-node quorums, inside a private network
# namespace because 3.4.5 binds 0.0.0.0):
#
#   bash tests/conformance/clock/prove-seed.sh [MILLIS]        default 1700000000000
#
# Builds the releases (cached) and the agent (cached), then runs seedproof.py: the agent on all
# three servers with the same MILLIS; a raw client on each follower; 3.4.5's followers must mint
# the SAME id, 3.4.6's ids differ only in the top byte (myid); both are checked against the
# formula; the servers' log lines when both sessions are used are printed. Last line per version
# `seedproof <V> ok ...` or `... FAILED ...`; exit 1 on any failure. ZKSIM_CLOCK_KEEP=1 keeps logs.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MILLIS="${1:-1700000000000}"
export DEBIAN_FRONTEND=noninteractive

agent_line="$(bash "$HERE/build.sh" | tail -n 1)"
[[ "$agent_line" == "seedclock "* ]] || { echo "prove-seed: agent build failed"; exit 1; }
AGENT="${agent_line#seedclock }"
echo "agent $AGENT"
args=()
out="$(bash "$HERE/../releases.sh" 3.4.5 3.4.6)" || { printf '%s\n' "$out"; echo "prove-seed: release build failed"; exit 1; }
while read -r tag v dir; do
  [[ "$tag" == release ]] && args+=("$v=$dir")
done <<<"$out"
((${#args[@]} == 2)) || { printf '%s\n' "$out"; echo "prove-seed: release build failed"; exit 1; }
if ! command -v ip >/dev/null; then
  apt-get -o DPkg::Lock::Timeout=180 install -y --no-install-recommends iproute2 </dev/null >/dev/null 2>&1 ||
    { echo "prove-seed: cannot install iproute2"; exit 1; }
fi
echo "network namespace: private (unshare -n, loopback only)"
# exec all the way down: a TERM to this script reaches seedproof.py, which stops its JVMs by PID.
exec timeout -k 10 600 unshare -n bash -c 'ip link set lo up && exec python3 "$@"' _ \
  "$HERE/seedproof.py" "$AGENT" "$MILLIS" "${args[@]}"
