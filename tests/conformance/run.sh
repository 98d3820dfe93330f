#!/usr/bin/env bash
# Conformance: zksim's 3.6 profile against a real ZooKeeper 3.8 ensemble (Debian's `zookeeper`).
#
#   bash tests/conformance/run.sh            every scenario in tests/conformance/scenarios/
#   bash tests/conformance/run.sh expiry ... only the named ones
#   ZKSIM_BIN=path/to/zksim bash tests/conformance/run.sh   use that binary, do not build
#
# Installs the Debian package if it is missing, compiles Driver.java against zookeeper.jar, builds
# the zksim CLI, then runs conform.py. Logs of each run go to tests/conformance/logs/<run>/
# (ignored by git; the last 10 runs are kept) and their tails are printed on failure. Every
# process is stopped by PID. The last line is `N passed, M failed`.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)-$$"
LOGS="$HERE/logs/$RUN_ID"
mkdir -p "$LOGS"
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
  if [[ -s "$LOGS/pids" ]]; then
    while read -r pid; do
      [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null || true
    done <"$LOGS/pids"
  fi
  if ((rc != 0)); then
    echo "--- conformance failed (exit $rc); logs in $LOGS; their tails:"
    find "$LOGS" -type f \( -name '*.log' -o -name 'driver.*' \) | sort | while read -r f; do
      echo "=== ${f#"$LOGS"/}"
      tail -n 15 "$f"
    done
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

# 1. The real ZooKeeper (Debian's 3.8.0) and a JDK to compile the driver.
if [[ ! -f /usr/share/java/zookeeper.jar ]] || ! command -v javac >/dev/null; then
  echo "installing the Debian zookeeper package"
  pkgs=(zookeeper)
  command -v javac >/dev/null || pkgs+=(default-jdk-headless)
  if ! timeout 300 as_root apt-get install -y --no-install-recommends "${pkgs[@]}" </dev/null \
    >"$LOGS/apt.log" 2>&1; then
    timeout 300 as_root apt-get update </dev/null >>"$LOGS/apt.log" 2>&1
    timeout 300 as_root apt-get install -y --no-install-recommends "${pkgs[@]}" </dev/null \
      >>"$LOGS/apt.log" 2>&1
  fi
fi
for jar in zookeeper slf4j-api slf4j-log4j12 log4j-1.2; do
  [[ -f /usr/share/java/$jar.jar ]] || { echo "missing /usr/share/java/$jar.jar" >&2; exit 1; }
done

# 2. The driver, compiled at run time.
CLASSES="$LOGS/classes"
mkdir -p "$CLASSES"
timeout 120 javac -proc:none -nowarn -d "$CLASSES" -cp /usr/share/java/zookeeper.jar \
  "$HERE/Driver.java" </dev/null >"$LOGS/javac.log" 2>&1 || { cat "$LOGS/javac.log"; exit 1; }

# 3. The simulator.
if [[ -n "${ZKSIM_BIN:-}" ]]; then
  ZKSIM="$ZKSIM_BIN"
else
  (cd "$ROOT" && timeout 900 cargo build -q -p zksim-cli --locked) </dev/null
  ZKSIM="$ROOT/target/debug/zksim"
fi

# 4. The scenarios. conform.py gives every wait a timeout; this bounds the whole.
timeout -k 10 900 python3 -u "$HERE/conform.py" --zksim "$ZKSIM" --classes "$CLASSES" \
  --logs "$LOGS" "$@" </dev/null > >(tee "$LOGS/conform.out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$') 2>&1 &
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
