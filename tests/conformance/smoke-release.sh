#!/usr/bin/env bash
# Smoke test of one real release built by releases.sh:
#
#   bash tests/conformance/smoke-release.sh VERSION
#
# Builds (or finds cached) the release, starts a 3-node quorum on 127.0.0.1 with ports chosen at
# run time (tickTime 200), waits until all serve, runs the release's own Java client (ephemeral
# node created via node 1, read back via node 2 after sync, session id printed), then stops every
# process it started by PID. 3.4.5 binds election and quorum ports on 0.0.0.0, so its ensemble and
# client run inside a private network namespace (only loopback); ZKSIM_SMOKE_NETNS=1 does that
# for any version. Last line: `smoke <V> ok ...` or `smoke <V> FAILED: ...` (exit 1).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export DEBIAN_FRONTEND=noninteractive
[[ $# -eq 1 ]] || { echo "usage: $0 VERSION" >&2; exit 2; }
V="$1"

out="$(bash "$HERE/releases.sh" "$V")" || { printf '%s\n' "$out"; echo "smoke $V FAILED: build"; exit 1; }
line="$(printf '%s\n' "$out" | tail -n 1)"
[[ "$line" == "release $V "* ]] || { printf '%s\n' "$out"; echo "smoke $V FAILED: build"; exit 1; }
DIR="${line#"release $V "}"
printf '%s\n' "$out" | grep -v '^release ' || true
echo "release $V $DIR ($(cat "$DIR/version"))"

if [[ "$V" == 3.4.5 || "${ZKSIM_SMOKE_NETNS:-0}" == 1 ]]; then
  if ! command -v ip >/dev/null; then
    as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }
    log="$(mktemp "${TMPDIR:-/tmp}/zksim-smoke-apt.XXXXXX")"
    as_root apt-get -o DPkg::Lock::Timeout=180 install -y --no-install-recommends iproute2 \
      </dev/null >"$log" 2>&1 || {
      as_root apt-get -o DPkg::Lock::Timeout=180 update </dev/null >>"$log" 2>&1 || true
      as_root apt-get -o DPkg::Lock::Timeout=180 install -y --no-install-recommends iproute2 \
        </dev/null >>"$log" 2>&1
    } || { tail "$log"; echo "smoke $V FAILED: cannot install iproute2"; exit 1; }
  fi
  echo "network namespace: private (unshare -n, loopback only)"
  # exec all the way down: a TERM sent to this script reaches smoke.py, which stops its JVMs.
  exec unshare -n bash -c 'ip link set lo up && exec python3 "$0" "$1" "$2"' \
    "$HERE/releases/smoke.py" "$V" "$DIR"
fi
exec python3 "$HERE/releases/smoke.py" "$V" "$DIR"
