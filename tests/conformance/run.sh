#!/usr/bin/env bash
# Conformance: each zksim profile against the real ZooKeeper release it models.
#
#   bash tests/conformance/run.sh                      every release with a profile (3.4.5 3.4.6
#                                                      3.4.14 3.5.10 3.6.4 3.7.2 3.8.4 3.9.2)
#   bash tests/conformance/run.sh --release 3.4.14 --release 3.6.4 expiry ...   only these
#   bash tests/conformance/run.sh --release debian-3.8.0   Debian's zookeeper package (3.8.0)
#   ZKSIM_BIN=path/to/zksim bash tests/conformance/run.sh   use that binary, do not build
#
# Releases are built by releases.sh (into its cache); debian-3.8.0 installs the Debian package if
# it is missing. conform.py compiles Driver.java against each release's client jar and runs every
# scenario on it. Logs of each run go to tests/conformance/logs/<run>/<release>/ (ignored by git;
# the last 10 runs are kept) and their tails are printed on failure. Every process is stopped by
# PID. The last line is `N passed, M failed` (scenario x release).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)-$$"
LOGS="$HERE/logs/$RUN_ID"
mkdir -p "$LOGS"
touch "$LOGS/.start"
CLOSING=""
CONFORM_PID=""

cleanup() {
  local rc=$?
  trap - INT TERM
  if [[ -n "$CONFORM_PID" ]]; then
    # timeout passes TERM on to conform.py, which stops its servers and driver by PID.
    kill -TERM "$CONFORM_PID" 2>/dev/null || true
    wait "$CONFORM_PID" 2>/dev/null || true
  fi
  # conform.py stops its own children by PID; anything it recorded and did not reap:
  while read -r f; do
    while read -r pid; do
      [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null || true
    done <"$f"
  done < <(find "$LOGS" -name pids -size +0 2>/dev/null)
  if ((rc != 0)); then
    echo "--- conformance failed (exit $rc); logs in $LOGS; their tails:"
    find "$LOGS" -type f \( -name '*.log' -o -name 'driver.*' \) -newer "$LOGS/.start" | sort | while read -r f; do
      echo "=== ${f#"$LOGS"/}"
      tail -n 15 "$f"
    done
    # Last, so that a CI log cut to its end still names what failed.
    echo "--- what failed (from $LOGS/conform.out):"
    grep -E '^(FAIL|  FAIL)' "$LOGS/conform.out" 2>/dev/null | cut -c1-300 | tail -n 40 || true
  fi
  ls -1d "$HERE"/logs/*/ 2>/dev/null | sort | head -n -10 | xargs -r rm -rf
  if [[ -n "$CLOSING" ]]; then
    echo "$CLOSING"
  elif ((rc != 0)); then
    echo "0 passed, 1 failed"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }

# 1. A JDK to compile the driver; Debian's zookeeper (3.8.0) when debian-3.8.0 is asked for.
want_debian=""
prev=""
for a in "$@"; do
  [[ "$prev" == "--release" && ",$a," == *",debian-3.8.0,"* ]] && want_debian=1
  [[ "$a" == --release=*debian-3.8.0* ]] && want_debian=1
  prev="$a"
done
# Until releases.sh exists, the default is Debian's 3.8.0 (conform.py says so).
[[ " $* " != *" --release"* && ! -f "$HERE/releases.sh" ]] && want_debian=1
pkgs=()
command -v javac >/dev/null || pkgs+=(default-jdk-headless)
[[ -n "$want_debian" && ! -f /usr/share/java/zookeeper.jar ]] && pkgs+=(zookeeper)
if ((${#pkgs[@]})); then
  echo "installing ${pkgs[*]}"
  if ! as_root timeout 300 apt-get install -y --no-install-recommends "${pkgs[@]}" </dev/null \
    >"$LOGS/apt.log" 2>&1; then
    as_root timeout 300 apt-get update </dev/null >>"$LOGS/apt.log" 2>&1
    as_root timeout 300 apt-get install -y --no-install-recommends "${pkgs[@]}" </dev/null \
      >>"$LOGS/apt.log" 2>&1
  fi
fi
if [[ -n "$want_debian" ]]; then
  for jar in zookeeper slf4j-api slf4j-log4j12 log4j-1.2; do
    [[ -f /usr/share/java/$jar.jar ]] || { echo "missing /usr/share/java/$jar.jar" >&2; exit 1; }
  done
fi

# 2. The simulator.
if [[ -n "${ZKSIM_BIN:-}" ]]; then
  ZKSIM="$ZKSIM_BIN"
else
  (cd "$ROOT" && timeout 900 cargo build -q -p zksim-cli --locked) </dev/null
  ZKSIM="$ROOT/target/debug/zksim"
fi

# 3. The scenarios, release by release. conform.py gives every wait a timeout; this bounds the
# whole (releases.sh's first build of a release is not counted: run it once beforehand).
timeout -k 20 2400 python3 -u "$HERE/conform.py" --zksim "$ZKSIM" --logs "$LOGS" "$@" </dev/null > >(tee "$LOGS/conform.out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$') 2>&1 &
CONFORM_PID=$!
set +e
wait "$CONFORM_PID"
rc=$?
set -e
CONFORM_PID=""
sleep 0.2  # let tee drain
CLOSING="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOGS/conform.out" | tail -n 1 || true)"
[[ "$CLOSING" =~ ^[0-9]+\ passed,\ 0\ failed$ ]] || rc=1
exit "$rc"
