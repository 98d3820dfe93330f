#!/usr/bin/env bash
# Builds seedclock.jar (the Java agent in SeedClockAgent.java, with Debian's ASM core inside it)
# into ${ZKSIM_RELEASES:-$HOME/.cache/zksim/releases}/tools/seedclock-<12 hex>/seedclock.jar,
# keyed by the sha256 of this script, the agent source and the ASM jar. Cached: one hash, no
# javac. Last line printed: `seedclock <path of seedclock.jar>`. See README.md beside this script.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${ZKSIM_RELEASES:-$HOME/.cache/zksim/releases}/tools"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
ASM=/usr/share/java/asm.jar
die() { echo "build.sh: $*" >&2; exit 1; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }

if [[ ! -f "$ASM" ]]; then
  log="$(mktemp "${TMPDIR:-/tmp}/zksim-clock-apt.XXXXXX")"
  as_root timeout 600 apt-get -o DPkg::Lock::Timeout=180 install -y --no-install-recommends libasm-java \
    </dev/null >"$log" 2>&1 || {
    as_root timeout 600 apt-get -o DPkg::Lock::Timeout=180 update </dev/null >>"$log" 2>&1 || true
    as_root timeout 600 apt-get -o DPkg::Lock::Timeout=180 install -y --no-install-recommends libasm-java \
      </dev/null >>"$log" 2>&1
  } || { tail -n 20 "$log" >&2; die "cannot install libasm-java (log $log)"; }
fi
command -v javac >/dev/null || die "no javac on PATH"

key="$(cat "$HERE/build.sh" "$HERE/SeedClockAgent.java" "$(readlink -f "$ASM")" | sha256sum | cut -c1-12)"
final="$CACHE/seedclock-$key"
if [[ -s "$final/seedclock.jar" ]]; then echo "seedclock $final/seedclock.jar"; exit 0; fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock-seedclock"
flock -w 300 9 || die "timed out waiting for $CACHE/.lock-seedclock"
if [[ -s "$final/seedclock.jar" ]]; then echo "seedclock $final/seedclock.jar"; exit 0; fi
stage="$(mktemp -d "$CACHE/.build-seedclock-XXXXXX")"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/classes"
timeout 300 javac --release 8 -encoding UTF-8 -proc:none -nowarn -cp "$ASM" -d "$stage/classes" \
  "$HERE/SeedClockAgent.java" || die "javac failed"
# ASM's core classes go inside the agent jar: it needs nothing from the machine at run time.
(cd "$stage/classes" && timeout 120 jar xf "$ASM" org) || die "unpacking $ASM failed"
printf 'Manifest-Version: 1.0\nPremain-Class: SeedClockAgent\nCan-Redefine-Classes: false\nCan-Retransform-Classes: false\n' \
  >"$stage/manifest"
(cd "$stage/classes" && find . -type f -name '*.class' | LC_ALL=C sort >"$stage/list" &&
  timeout 120 jar --create --file "$stage/seedclock.jar" --manifest "$stage/manifest" \
    --date 2000-01-01T00:00:02Z @"$stage/list") || die "jar failed"
mkdir -p "$stage/out"
mv "$stage/seedclock.jar" "$stage/out/seedclock.jar"
printf 'key=%s\nasm=%s\njavac=%s\n' "$key" "$(readlink -f "$ASM")" "$(javac -version 2>&1)" >"$stage/out/build-info"
mv -T "$stage/out" "$final" || [[ -s "$final/seedclock.jar" ]] || die "cannot move the build into $final"
echo "seedclock $final/seedclock.jar"
